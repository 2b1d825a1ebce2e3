"""Cells the interpreter (yaegi) would run differently from `go run`
without a word: what the kernel's rewriting makes them print, and the
cells it stops when they run."""

import textwrap

import pytest

from test_go_semantics import run_cell, run_ok


# Cells whose output names package main, which the comparison with go run
# cannot check (it builds each snippet as a package of its own), with what
# go run of the same program prints.
EXPECTED = [
    # The interpreter read a deferred call's function, receiver and
    # arguments when the call ran, not at the defer statement.
    ("defer-evaluates-at-the-statement", textwrap.dedent("""\
        type W struct{ id int }

        func (w W) Print() { fmt.Println("recv", w.id) }

        func run() {
            w := W{1}
            defer w.Print()
            w = W{2}
            f := func() { fmt.Println("f1") }
            defer f()
            f = func() { fmt.Println("f2") }
            x := 1
            defer func(v int) { fmt.Println("lit", v) }(x)
            x = 5
            p := &W{3}
            defer p.Print()
            p.id = 4
            defer fmt.Println("x is", x)
        }

        run()
        n := 1
        defer fmt.Println("cell defer", n)
        n = 2
        """),
     "x is 5\nrecv 3\nlit 1\nf1\nrecv 1\ncell defer 1\n"),
    # The interpreter's %T printed a session type's underlying type.
    ("type-verb-names-session-types", textwrap.dedent("""\
        type T struct{ A int }

        type N int

        func mk() T { return T{2} }

        v := T{1}
        fmt.Printf("%T %v\\n", v, v)
        fmt.Printf("%T|%-8T|%T|%T\\n", &v, N(1), []T{}, map[string]*T{})
        s := fmt.Sprintf("%d %T %T %T", 1, mk(), 'x', byte(1))
        fmt.Println(s)
        var err error = fmt.Errorf("x")
        fmt.Printf("%T %T\\n", err, 1.5)
        """),
     "main.T {1}\n*main.T|main.N  |[]main.T|map[string]*main.T\n1 main.T int32 uint8\n*errors.errorString float64\n"),
    # The interpreter's type switch missed cases of the session's struct
    # types; a range over a declared function that ignores yield's result
    # panicked in reflect; a sequence that called yield again after the
    # body returned false went on instead of panicking.
    ("type-switch-and-range-func-continued", textwrap.dedent("""\
        type Circle struct{ R int }
        type Square struct{ S int }

        func describe(v any) string {
            switch s := v.(type) {
            case Circle:
                return fmt.Sprint("circle ", s.R)
            case Square:
                return fmt.Sprint("square ", s.S)
            case *Circle:
                return "circle pointer"
            }
            return "unknown"
        }

        func upTo(yield func(int) bool) {
            for i := 0; i < 3; i++ {
                yield(i)
            }
        }

        func first() (n int) {
            defer func() { fmt.Println("recovered:", recover()) }()
            for x := range upTo {
                return x + 10
            }
            return -1
        }

        fmt.Println(describe(Circle{1}), describe(Square{2}), describe(&Circle{3}), describe(4))
        fmt.Println(first())
        for x := range upTo {
            fmt.Println("x", x)
        }
        """),
     "circle 1 square 2 circle pointer unknown\n"
     "recovered: runtime error: range function continued iteration after function for loop body returned false\n"
     "10\nx 0\nx 1\nx 2\n"),
    # The interpreter kept a value of a session type with a String or
    # Error method in a variable of type any without the method (or with
    # a reference fmt read in the wrong frame): fmt printed its fields,
    # <nil>, or a panic of the method.
    ("stringer-values-in-any-print-their-method", textwrap.dedent("""\
        type fault struct{ n int }

        func (f fault) String() string { return "fault#" + string(rune('0'+f.n)) }

        type MyErr struct{ msg string }

        func (e *MyErr) Error() string { return "myerr:" + e.msg }

        func ret() any { return fault{2} }

        func show(x any) { fmt.Println("param", x) }

        func try(f func()) {
        	defer func() {
        		r := recover()
        		fmt.Printf("recovered %v\\n", r)
        	}()
        	f()
        }

        var a any = fault{1}
        var b any
        b = &MyErr{"b"}
        fmt.Println(a, b, ret())
        fmt.Printf("%v|%s|%q|%d|%+v\\n", a, a, a, 7, b)
        show(fault{3})
        ch := make(chan any, 1)
        ch <- fault{4}
        fmt.Println(<-ch)
        try(func() { panic(fault{5}) })
        try(func() { panic(&MyErr{"p"}) })
        fmt.Println(fmt.Errorf("wrap: %v", a))
        f, ok := a.(fault)
        fmt.Println(f.n, ok, any(fault{6}))
        """),
     "fault#1 myerr:b fault#2\nfault#1|fault#1|\"fault#1\"|7|myerr:b\nparam fault#3\nfault#4\n"
     "recovered fault#5\nrecovered myerr:p\nwrap: fault#1\n1 true fault#6\n"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name,code,want", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_cell_prints_what_go_prints(fresh_kernel, name, code, want):
    km, kc = fresh_kernel
    r = run_ok(km, kc, code, want)
    assert r.user_stdout == want, f"stdout differs from go run:\n{r.describe()}"


@pytest.mark.timeout(60)
def test_nil_pointer_into_interface_stops_the_cell(fresh_kernel):
    """A nil pointer of a session type that becomes an interface (which
    the interpreter would make a nil interface, unlike Go) stops the cell
    when it happens; a non-nil one goes on."""
    km, kc = fresh_kernel
    code = textwrap.dedent("""\
        type MyErr struct{}

        func (e *MyErr) Error() string { return "myerr" }

        func find(fail bool) *MyErr {
            if fail {
                return &MyErr{}
            }
            return nil
        }

        func check(fail bool) error {
            e := find(fail)
            return e
        }

        fmt.Println(check(true) != nil)
        fmt.Println(check(false) != nil)
        fmt.Println("not reached")
        """)
    r = run_cell(km, kc, code)
    assert r.status == "error", r.describe()
    assert r.user_stdout == "true\n", r.describe()
    assert "nil *MyErr" in r.error["evalue"] and "compiled" in r.error["evalue"], r.describe()


@pytest.mark.timeout(60)
def test_type_verb_of_session_struct_in_interface_stops_the_cell(fresh_kernel):
    """%T of an interface value: a native type is named as Go names it; a
    struct type the interpreter made (whose name it cannot tell) stops the
    cell when it is printed."""
    km, kc = fresh_kernel
    code = textwrap.dedent("""\
        type T struct{ A int }

        var e error = fmt.Errorf("x")
        var a any = T{}
        fmt.Printf("%T\\n", e)
        fmt.Printf("%T\\n", a)
        """)
    r = run_cell(km, kc, code)
    assert r.status == "error", r.describe()
    assert r.user_stdout == "*fmt.wrapError\n" or r.user_stdout == "*errors.errorString\n", r.describe()
    assert "%T of a value whose type the interpreter made" in r.error["evalue"], r.describe()


def test_type_verb_of_session_values_in_errors_and_stringers_stops_the_cell(fresh_kernel):
    """%T of an error or a fmt.Stringer holding a value of a session type:
    the interpreter keeps it in a wrapper of its own, and a type whose
    underlying type another type shares (type code int) cannot be told
    from it: each stops the cell instead of printing interp._error, int or
    stdlib._fmt_Stringer."""
    km, kc = fresh_kernel
    run_ok(km, kc, textwrap.dedent("""\
        type notFound struct{ key string }
        func (e *notFound) Error() string { return "not found" }
        type code int
        func (c code) Error() string { return "code" }
        var e1 error = &notFound{"k"}
        var e2 error = code(3)
        var n any = 7
        """), "")
    for arg in ("e1", "e2", "n"):
        r = run_cell(km, kc, f'fmt.Printf("%T\\n", {arg})')
        assert r.status == "error" and "not supported by the interpreter: %T of a value" in r.error["evalue"], r.describe()
        assert r.user_stdout == "", r.describe()
    r = run_cell(km, kc, 'fmt.Printf("%T %T\\n", errors.New("x"), 1.5)')
    assert r.status == "ok" and r.user_stdout == "*errors.errorString float64\n", r.describe()


def test_a_session_value_inside_an_interface_held_in_an_any_stops_the_cell(fresh_kernel):
    """An any holding an []any or a map of any with a value of a session
    type inside: fmt would print that value without its Error method, and
    only the running cell can tell, so printing it stops the cell; values
    of native types print as before."""
    km, kc = fresh_kernel
    run_ok(km, kc, textwrap.dedent("""\
        type fault struct{ n int }
        func (f fault) Error() string { return fmt.Sprint("fault ", f.n) }
        """), "")
    r = run_cell(km, kc, 'var c any = []any{1, "x"}\nfmt.Println(fault{1}, c)')
    assert r.status == "ok" and r.user_stdout == "fault 1 [1 x]\n", r.describe()
    for code in ('var v any = []any{fault{1}, 2}\nfmt.Println(v)', 'var w any = map[string]any{"k": fault{2}}\nfmt.Printf("%v\\n", w)'):
        r = run_cell(km, kc, code)
        assert r.status == "error" and "inside an interface value held in an any" in r.error["evalue"], r.describe()
        assert r.user_stdout == "", r.describe()


def test_a_value_printed_by_a_method_declared_before_its_error_method_stops_the_cell(fresh_kernel):
    """A method of an earlier cell that prints an any it is given, called
    with a value of a type whose Error method was declared after the method:
    the method's print does not know the type, so the cell stops instead of
    printing the value's fields; other values print as before."""
    km, kc = fresh_kernel
    show = 'type logger struct{ prefix string }\nfunc (l logger) show(v any) { fmt.Println(l.prefix, v) }'
    run_ok(km, kc, show, "")
    run_ok(km, kc, 'type fault struct{ n int }\nfunc (f fault) Error() string { return fmt.Sprint("fault ", f.n) }', "")
    r = run_cell(km, kc, 'l := logger{"log:"}\nl.show(7)\nl.show(fault{1})')
    assert r.status == "error" and "declared after the code that prints it" in r.error["evalue"], r.describe()
    assert r.user_stdout == "log: 7\n", r.describe()


@pytest.mark.timeout(60)
def test_var_from_a_statement_variable_says_how_to_write_it(fresh_kernel):
    """The interpreter cannot give a var declaration a value that uses a
    variable declared by a statement: the error says how to write it and
    where it runs."""
    km, kc = fresh_kernel
    run_ok(km, kc, "b := 4", "")
    r = run_cell(km, kc, "var n = b + 1\nfmt.Println(n)")
    assert r.status == "error", r.describe()
    assert "variable definition loop" in r.error["evalue"], r.describe()
    assert "var s T, then assign it" in r.error["evalue"] and "Go (gocurrent, compiled)" in r.error["evalue"], r.describe()
    r = run_ok(km, kc, "var n int\nn = b + 1\nfmt.Println(n)", "5\n")
    assert r.user_stdout == "5\n", r.describe()


@pytest.mark.timeout(60)
def test_a_recovered_index_panic_stops_the_cell(fresh_kernel):
    """The interpreter's index panics say what reflect says, not Go's
    runtime error with the index and length: recover() of one stops the
    cell with an error instead of handing the program the wrong text."""
    km, kc = fresh_kernel
    r = run_ok(km, kc, "func try(f func()) (v any) {\n\tdefer func() { v = recover() }()\n\tf()\n\treturn\n}\n\nfmt.Println(try(func() { panic(\"mine\") }))", "mine\n")
    assert r.user_stdout == "mine\n", r.describe()
    r = run_cell(km, kc, "var a []int\nfmt.Println(try(func() { _ = a[3] }))")
    assert r.status == "error", r.describe()
    assert "recover() of an index out of range" in r.error["evalue"] and "Go (gocurrent, compiled)" in r.error["evalue"], r.describe()
    assert r.user_stdout == "", r.describe()


@pytest.mark.timeout(60)
def test_ambiguous_stringer_in_any_and_value_error_targets_stop_the_cell(fresh_kernel):
    """A value of a type with a String method that the interpreter cannot
    tell from int, put into an any, and errors.As with a pointer to an
    error type that is not a pointer (its errors do not match it), are
    refused before the cell runs; printing the values themselves is not."""
    km, kc = fresh_kernel
    r = run_ok(km, kc, textwrap.dedent("""\
        type State int

        func (s State) String() string { return "state" }

        type StatusError struct{ Code int }

        func (e StatusError) Error() string { return "status" }

        fmt.Println(State(1), StatusError{2})
        """), "state status\n")
    assert r.user_stdout == "state status\n", r.describe()
    for code, what in [("var s any = State(1)\nfmt.Println(s)", "cannot tell State from int"),
                       ("var st StatusError\nfmt.Println(errors.As(fmt.Errorf(\"x: %w\", StatusError{3}), &st))",
                        "errors.As with a target of type StatusError"),
                       ("var err error = StatusError{4}\n_, ok := err.(StatusError)\nfmt.Println(ok)",
                        "a type assertion of an error to type StatusError")]:
        r = run_cell(km, kc, code)
        assert r.status == "error", r.describe()
        assert what in r.error["evalue"] and "Go (gocurrent, compiled)" in r.error["evalue"], r.describe()
        assert r.user_stdout == "", r.describe()


@pytest.mark.timeout(60)
def test_any_values_of_types_declared_later_print_with_their_method(fresh_kernel):
    """A function of an earlier cell that prints its any parameter prints
    a value of an error type declared later with its Error method, as go
    run prints it; a []any, a map or a struct holding values of an empty
    interface type, and a format that is not a constant with any
    arguments, are refused once the session has such a type, not
    before."""
    km, kc = fresh_kernel
    r = run_ok(km, kc, "func show(v any) { fmt.Println(v) }\n\nfmt.Println([]any{1, \"a\"})", "[1 a]\n")
    assert r.user_stdout == "[1 a]\n", r.describe()
    r = run_ok(km, kc, "type fault struct{ n int }\n\nfunc (f fault) Error() string { return fmt.Sprint(\"fault \", f.n) }", "")
    r = run_ok(km, kc, "show(fault{1})", "fault 1\n")
    assert r.user_stdout == "fault 1\n", r.describe()
    for code in ["fmt.Println([]any{fault{3}, 2})",
                 "m := map[string]any{\"a\": fault{1}}\nfmt.Printf(\"%v\\n\", m)",
                 "type box struct{ V any }\nfmt.Println(&box{fault{2}})",
                 "f := \"%v\\n\"\nvar a any = fault{2}\nfmt.Printf(f, a)"]:
        r = run_cell(km, kc, code)
        assert r.status == "error", r.describe()
        assert "String or Error method (fault)" in r.error["evalue"] and "Go (gocurrent, compiled)" in r.error["evalue"], r.describe()
        assert r.user_stdout == "", r.describe()


@pytest.mark.timeout(60)
def test_a_panic_in_a_top_level_deferred_call_ends_the_cell(fresh_kernel):
    """A top-level deferred call that recovers the cell's panic and panics
    again ends the cell with that panic, as main's would end the program;
    the value of an any given to panic is told by its Error method."""
    km, kc = fresh_kernel
    run_ok(km, kc, "type fault struct{ n int }\n\nfunc (f fault) Error() string { return fmt.Sprint(\"fault \", f.n) }", "")
    for code in ["defer func() { r := recover(); fmt.Println(\"rec\", r); panic(r) }()\npanic(fault{5})",
                 "func f() { defer func() { r := recover(); fmt.Println(\"rec\", r); panic(r) }(); panic(fault{5}) }\nf()"]:
        r = run_cell(km, kc, code)
        assert r.status == "error", r.describe()
        assert r.error["ename"] == "panic" and r.error["evalue"].startswith("fault 5 "), r.describe()
        assert r.user_stdout == "rec fault 5\n", r.describe()
    r = run_cell(km, kc, "defer func() { panic(\"late\") }()\nfmt.Println(\"body\")")
    assert r.status == "error" and r.error["ename"] == "panic" and r.error["evalue"].startswith("late "), r.describe()
    assert r.user_stdout == "body\n", r.describe()


def test_a_send_on_a_receive_only_channel_does_not_compile(fresh_kernel):
    """Go refuses to build a send on a receive-only channel; the
    interpreter would run it and fail later with reflect's words. The
    kernel refuses the cell, at the send's line, and the session goes on."""
    km, kc = fresh_kernel
    r = run_cell(km, kc, "func drain(in <-chan int) {\n\tin <- 1\n}")
    assert r.status == "error" and r.error["ename"] == "compile error", r.describe()
    assert "cannot send to receive-only channel" in r.error["evalue"] and "cell line 2" in r.error["evalue"], r.describe()
    r = run_cell(km, kc, "ch := make(chan int, 1)\nvar out chan<- int = ch\nout <- 1\nfmt.Println(len(ch))")
    assert r.status == "ok" and r.user_stdout == "1\n", r.describe()


def test_a_panic_of_a_statement_without_a_call_is_placed_at_its_line(fresh_kernel):
    """The interpreter places a panic at the last call its frame made: a
    send on a closed channel, or an assignment into a nil map, at the
    cell's top level was reported at the statement before it."""
    km, kc = fresh_kernel
    for code, line, text in [
        ("c := make(chan int)\nclose(c)\nc <- 1", 3, "send on closed channel"),
        ('var m map[string]int\nfmt.Println("a")\nm["x"] = 1', 3, "assignment to entry in nil map"),
        ('d := make(chan int)\nclose(d)\nfmt.Println("between")\nd <- 1', 4, "send on closed channel"),
    ]:
        r = run_cell(km, kc, code)
        assert r.status == "error" and r.error["ename"] == "panic", r.describe()
        assert text in r.error["evalue"] and f"(cell line {line})" in r.error["evalue"], r.describe()
