"""Cells behave as Go does: the same code runs under `go run` (the same
toolchain) and in the kernel, and the outputs must match exactly.

The interpreter (yaegi) lags the language in places (range over int and
over functions, min/max/clear, per-iteration loop variables, newer standard
library symbols, break out of a select, generic inference); the kernel
rewrites cells to close those gaps (kernel/interp/modern*.go), and these
tests hold it to what `go run` prints.

Two kinds of comparisons:

- SNIPPETS: small pieces of Go, each run as one cell (declarations and
  statements together) and as a program whose main holds the statements;
- fidelity/*.go: whole programs (goroutines, sync, channels, select,
  context, timers, worker pools, pipelines, generics, errgroup-style code,
  os/exec, iterators), run with `go run` and in the kernel as interactive
  cells (a cell with the declarations, then a cell with main's body as
  top-level statements). test_fidelity_program_cell also runs each whole
  file as one cell, which the kernel runs natively (marked program_cell).

Under Go, all programs are built into one command, by one `go build`,
before the first comparison.
"""

import os
import queue
import re
import textwrap

import pytest

from conftest import ROOT, need_program
from helpers import collect_iopub, run_under_go, shell_reply, Run

FIDELITY_DIR = os.path.join(ROOT, "fidelity")
FIDELITY = sorted(f[:-3] for f in os.listdir(FIDELITY_DIR) if f.endswith(".go"))


def S(name, imports, decls, stmts):
    """A snippet: id, imports (space-separated), declarations, statements."""
    return (name, imports.split(), textwrap.dedent(decls).strip("\n"), textwrap.dedent(stmts).strip("\n"))


# (id, imports, declarations, statements)
SNIPPETS = [
    ("range-over-int", ["fmt"], "", 'for i := range 3 {\n\tfmt.Print(i, " ")\n}\nfmt.Println()'),
    ("min-max", ["fmt"], "", "fmt.Println(min(3, 1, 2), max(3, 1, 2), min(2.5, 1.5))"),
    (
        "clear",
        ["fmt"],
        "",
        'm := map[string]int{"a": 1, "b": 2}\nclear(m)\ns := []int{1, 2}\nclear(s)\nfmt.Println(len(m), s)',
    ),
    (
        "loopvar-closures",
        ["fmt"],
        "",
        "var fs []func()\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() { fmt.Print(i) })\n}\n"
        "for _, f := range fs {\n\tf()\n}\nfmt.Println()",
    ),
    (
        "loopvar-goroutines",
        ["fmt", "sync"],
        "",
        "var wg sync.WaitGroup\nres := make([]int, 3)\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tres[i] = i * 10\n\t}()\n}\nwg.Wait()\nfmt.Println(res)",
    ),
    (
        "range-over-func",
        ["fmt"],
        "func countTo(n int) func(func(int) bool) {\n\treturn func(yield func(int) bool) {\n"
        "\t\tfor i := 0; i < n; i++ {\n\t\t\tif !yield(i) {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}\n}",
        "for x := range countTo(3) {\n\tfmt.Print(x)\n}\nfmt.Println()",
    ),
    ("slices-max", ["fmt", "slices"], "", "fmt.Println(slices.Max([]int{1, 5, 2}), slices.Contains([]string{\"a\"}, \"a\"))"),
    ("sync-oncevalue", ["fmt", "sync"], "", "get := sync.OnceValue(func() int { return 7 })\nfmt.Println(get(), get())"),
    (
        "generic-inference",
        ["fmt", "strconv"],
        "func mapSlice[T, U any](xs []T, f func(T) U) []U {\n\tout := make([]U, 0, len(xs))\n"
        "\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}",
        "fmt.Println(mapSlice([]int{1, 2}, func(i int) string { return strconv.Itoa(i * 10) }))",
    ),
    (
        "generic-type",
        ["fmt"],
        "type stack[T any] struct{ items []T }\n\nfunc (s *stack[T]) push(v T) { s.items = append(s.items, v) }\n\n"
        "func (s *stack[T]) pop() T {\n\tv := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1]\n\treturn v\n}",
        "var st stack[string]\nst.push(\"a\")\nst.push(\"b\")\nfmt.Println(st.pop(), len(st.items))",
    ),
    ("println-goes-to-stderr", [], "", 'println("to stderr", 42)'),
    (
        "waitgroup-pattern",
        ["fmt", "sync", "sync/atomic"],
        "",
        "var wg sync.WaitGroup\nvar n int64\nfor i := 0; i < 200; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tatomic.AddInt64(&n, 1)\n\t}()\n}\nwg.Wait()\nfmt.Println(n)",
    ),
    (
        "mutex-counter",
        ["fmt", "sync"],
        "",
        "var mu sync.Mutex\nvar wg sync.WaitGroup\ncount := 0\nfor i := 0; i < 100; i++ {\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tdefer wg.Done()\n\t\tmu.Lock()\n\t\tcount++\n\t\tmu.Unlock()\n\t}()\n}\nwg.Wait()\n"
        "fmt.Println(count)",
    ),
    (
        "channel-range-close",
        ["fmt"],
        "",
        "ch := make(chan int, 3)\ngo func() {\n\tfor i := 1; i <= 3; i++ {\n\t\tch <- i\n\t}\n\tclose(ch)\n}()\n"
        "sum := 0\nfor v := range ch {\n\tsum += v\n}\nfmt.Println(sum)",
    ),
    (
        "context-timeout-defer",
        ["context", "fmt", "time"],
        "",
        "ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)\ndefer cancel()\n"
        "<-ctx.Done()\nfmt.Println(ctx.Err())",
    ),
    (
        "break-label-in-select",
        ["context", "fmt"],
        "",
        "ctx, cancel := context.WithCancel(context.Background())\ncancel()\nn := 0\nloop:\n"
        "for {\n\tselect {\n\tcase <-ctx.Done():\n\t\tbreak loop\n\tdefault:\n\t\tn++\n\t}\n}\n"
        'fmt.Println("left the loop")',
    ),
    (
        "select-timeout",
        ["fmt", "time"],
        "",
        'never := make(chan int)\nselect {\ncase <-never:\n\tfmt.Println("no")\n'
        'case <-time.After(10 * time.Millisecond):\n\tfmt.Println("timeout")\n}',
    ),
    (
        "method-values-and-interfaces",
        ["fmt", "math"],
        "type shapeI interface{ area() float64 }\n\ntype circle struct{ r float64 }\n\n"
        "func (c circle) area() float64 { return math.Pi * c.r * c.r }\n\ntype sq struct{ s float64 }\n\n"
        "func (q sq) area() float64 { return q.s * q.s }",
        'shapes := []shapeI{circle{1}, sq{2}}\nfor _, s := range shapes {\n\tfmt.Printf("%.2f\\n", s.area())\n}',
    ),
]


def S(name, imports, decls, stmts):
    return (name, imports.split(), textwrap.dedent(decls).strip("\n"), textwrap.dedent(stmts).strip("\n"))

SNIPPETS += [
    S("range-func-labels", "fmt", """
        func seq(n int) func(func(int) bool) {
            return func(yield func(int) bool) {
                for i := 0; i < n; i++ {
                    if !yield(i) {
                        fmt.Println("stopped at", i)
                        return
                    }
                }
            }
        }
        """, """
        outer:
        for i := 0; i < 3; i++ {
            for x := range seq(5) {
                if x == 1 {
                    continue
                }
                if x == 3 && i == 1 {
                    continue outer
                }
                if x == 4 && i == 2 {
                    break outer
                }
                fmt.Println(i, x)
            }
        }
        fmt.Println("done")
        """),
    S("range-func-return", "fmt", """
        func pairs(m int) func(func(int, string) bool) {
            return func(yield func(int, string) bool) {
                for i := 0; i < m; i++ {
                    if !yield(i, fmt.Sprint("v", i)) {
                        return
                    }
                }
            }
        }

        func find(target string) (int, bool) {
            for i, v := range pairs(10) {
                for j := range pairs(2) {
                    if j == 1 && v == target {
                        return i * 100, true
                    }
                }
            }
            return -1, false
        }

        func firstOver(limit int) (idx int, err error) {
            for i, _ := range pairs(10) {
                if i > limit {
                    idx = i
                    return
                }
            }
            return -1, fmt.Errorf("none over %d", limit)
        }
        """, """
        fmt.Println(find("v7"))
        fmt.Println(find("zz"))
        fmt.Println(firstOver(3))
        fmt.Println(firstOver(30))
        """),
    S("print-whole-slices-and-generic-results", "fmt", """
        type level int
        func (l level) String() string { return [...]string{"low", "mid", "high"}[l] }
        type task struct{ name string; pri int }
        func (t task) String() string { return fmt.Sprintf("%s(%d)", t.name, t.pri) }
        type failure struct{ code int }
        func (f *failure) Error() string { return fmt.Sprint("failure ", f.code) }
        func first[T any](xs []T) T { return xs[0] }
        type box[T any] struct{ v T }
        func (b box[T]) get() T { return b.v }
        """, """
        levels := []level{0, 2}
        tasks := [2]task{{"a", 3}, {"b", 9}}
        fails := []*failure{{1}, nil}
        fmt.Println(levels, tasks, fails, len(levels))
        fmt.Printf("%v|%+v|%s|%d\\n", levels, tasks, tasks, levels[1])
        fmt.Println(fmt.Sprint("x", levels, "y"), fmt.Errorf("got %v", fails))
        fmt.Println(first(levels), first(tasks[:]), first(fails), box[task]{tasks[1]}.get())
        fmt.Printf("%v %s %d\\n", first(tasks[:]), first(levels), first(levels))
        """),
    S("last-line-method-call-without-result", "fmt", """
        type logger struct{ prefix string }
        func (l logger) log(v int) { fmt.Println(l.prefix, v) }
        func get() logger { fmt.Println("get"); return logger{"g"} }
        """, """
        ls := []logger{{"a"}}
        ls[0].log(1)
        logger{"b"}.log(2)
        get().log(3)
        """),
    S("range-over-func-one-line-bodies", "fmt maps slices", """
        func countdown(n int) func(func(int) bool) {
            return func(yield func(int) bool) { for i := n; i > 0; i-- { if !yield(i) { return } } }
        }
        """, """
        for i := range countdown(3) { fmt.Print(i, " ") }
        for k, v := range maps.All(map[string]int{"a": 1}) { fmt.Println(k, v) }
        for i, s := range slices.All([]string{"x"}) { fmt.Println(i, s) }
        """),
    S("iter-seq-std", "fmt iter maps slices strings", """
        func evens(n int) iter.Seq[int] {
            return func(yield func(int) bool) {
                for i := 0; i < n; i += 2 {
                    if !yield(i) {
                        return
                    }
                }
            }
        }
        """, """
        m := map[string]int{"b": 2, "a": 1, "c": 3}
        for _, k := range slices.Sorted(maps.Keys(m)) {
            fmt.Print(k, "=", m[k], " ")
        }
        fmt.Println()
        for i, v := range slices.All([]string{"x", "y"}) {
            fmt.Print(i, v, " ")
        }
        for i, v := range slices.Backward([]int{7, 8, 9}) {
            fmt.Print(i, ":", v, " ")
        }
        fmt.Println()
        fmt.Println(slices.Collect(evens(9)))
        vals := slices.Sorted(maps.Values(m))
        fmt.Println(vals, len(vals))
        for part := range strings.SplitSeq("a,b,c", ",") {
            fmt.Print("[", part, "]")
        }
        fmt.Println()
        for line := range strings.Lines("one\\ntwo\\n") {
            fmt.Printf("%q ", line)
        }
        fmt.Println()
        next, stop := iter.Pull(evens(7))
        for {
            v, ok := next()
            if !ok {
                break
            }
            fmt.Print(v, " ")
        }
        stop()
        fmt.Println()
        """),
    S("slices-more", "fmt slices cmp strings", """
        type person struct {
            name string
            age  int
        }
        """, """
        ps := []person{{"al", 30}, {"bo", 25}, {"cy", 30}, {"di", 25}, {"ed", 40}}
        slices.SortFunc(ps, func(a, b person) int { return cmp.Compare(a.age, b.age) })
        fmt.Println(ps)
        slices.SortStableFunc(ps, func(a, b person) int { return strings.Compare(b.name, a.name) })
        fmt.Println(ps)
        xs := []int{5, 2, 8, 2, 9, 1}
        ys := slices.Clone(xs)
        slices.Sort(ys)
        fmt.Println(xs, ys, slices.Min(xs), slices.Max(xs))
        i, found := slices.BinarySearch(ys, 8)
        fmt.Println(i, found, slices.Index(xs, 8), slices.Contains(xs, 3))
        ys = slices.Compact(ys)
        fmt.Println(ys, len(ys))
        ys = slices.Insert(ys, 1, 100, 101)
        fmt.Println(ys)
        ys = slices.Delete(ys, 0, 2)
        fmt.Println(ys, slices.Equal(ys, []int{101, 2, 5, 8, 9}))
        slices.Reverse(ys)
        fmt.Println(ys, slices.IndexFunc(ys, func(v int) bool { return v < 5 }))
        strs := []string{"pear", "fig", "apple"}
        slices.SortFunc(strs, func(a, b string) int { return cmp.Compare(len(a), len(b)) })
        fmt.Println(strs, slices.Concat([]int{1}, []int{2, 3}), slices.Repeat([]string{"ab"}, 3))
        byAge := slices.MaxFunc(ps, func(a, b person) int { return cmp.Compare(a.age, b.age) })
        fmt.Println(byAge.name)
        for c := range slices.Chunk([]int{1, 2, 3, 4, 5}, 2) {
            fmt.Print(c)
        }
        fmt.Println()
        compare := cmp.Compare[string]
        fmt.Println(compare("a", "b"), cmp.Less(2, 1), cmp.Or(0, 0, 3, 4), cmp.Or("", "x"))
        """),
    S("generics-more", "fmt strings", """
        type Number interface {
            ~int | ~int64 | ~float64
        }

        func Sum[T Number](xs ...T) T {
            var s T
            for _, x := range xs {
                s += x
            }
            return s
        }

        func Map[T, U any](xs []T, f func(T) U) []U {
            out := make([]U, 0, len(xs))
            for _, x := range xs {
                out = append(out, f(x))
            }
            return out
        }

        func Filter[T any](xs []T, keep func(T) bool) []T {
            var out []T
            for _, x := range xs {
                if keep(x) {
                    out = append(out, x)
                }
            }
            return out
        }

        func Reduce[T, A any](xs []T, init A, f func(A, T) A) A {
            acc := init
            for _, x := range xs {
                acc = f(acc, x)
            }
            return acc
        }

        type Pair[K comparable, V any] struct {
            Key K
            Val V
        }

        func (p Pair[K, V]) String() string { return fmt.Sprintf("%v=%v", p.Key, p.Val) }

        type Set[T comparable] struct{ m map[T]struct{} }

        func NewSet[T comparable](xs ...T) *Set[T] {
            s := &Set[T]{m: map[T]struct{}{}}
            for _, x := range xs {
                s.Add(x)
            }
            return s
        }

        func (s *Set[T]) Add(x T)           { s.m[x] = struct{}{} }
        func (s *Set[T]) Has(x T) bool      { _, ok := s.m[x]; return ok }
        func (s *Set[T]) Len() int          { return len(s.m) }

        type MyInt int
        """, """
        fmt.Println(Sum(1, 2, 3), Sum(1.5, 2.5), Sum[MyInt](4, 5))
        words := Map([]int{1, 2, 3}, func(i int) string { return strings.Repeat("*", i) })
        fmt.Println(words, len(words))
        evens := Filter([]int{1, 2, 3, 4, 5, 6}, func(i int) bool { return i%2 == 0 })
        fmt.Println(evens)
        total := Reduce(evens, "", func(acc string, x int) string { return acc + fmt.Sprint(x) })
        fmt.Println(total)
        p := Pair[string, int]{"a", 1}
        fmt.Println(p, p.String())
        s := NewSet("x", "y", "x")
        fmt.Println(s.Len(), s.Has("x"), s.Has("z"))
        lens := Map(Map([]string{"aa", "b"}, strings.ToUpper), func(s string) int { return len(s) })
        fmt.Println(lens)
        """),
    S("loopvar-copyback", "fmt", "", """
        var fs []func() int
        for i := 0; i < 10; i++ {
            if i%3 == 0 {
                i++
                continue
            }
            fs = append(fs, func() int { return i })
            i++
        }
        for _, f := range fs {
            fmt.Print(f(), " ")
        }
        fmt.Println()
        var ptrs []*int
        for i := 0; i < 3; i++ {
            ptrs = append(ptrs, &i)
        }
        for _, p := range ptrs {
            fmt.Print(*p)
        }
        fmt.Println()
        var gs []func() string
        for k, v := range []string{"a", "b", "c"} {
            gs = append(gs, func() string { return fmt.Sprint(k, v) })
        }
        for _, g := range gs {
            fmt.Print(g(), " ")
        }
        fmt.Println()
        var hs []func() int
        for i := range 3 {
            hs = append(hs, func() int { return i * i })
        }
        for _, h := range hs {
            fmt.Print(h(), " ")
        }
        fmt.Println()
        """),
    S("select-branches", "fmt", "", """
        ch := make(chan int)
        close(ch)
        n := 0
        for i := 0; i < 3; i++ {
            select {
            case <-ch:
                n++
                continue
            }
            n += 100
        }
        fmt.Println("a", n)
        n = 0
        for i := 0; i < 3; i++ {
            select {
            default:
                n++
                if i == 1 {
                    break
                }
                n += 10
            }
            n += 100
        }
        fmt.Println("b", n)
        n = 0
        for i := 0; i < 3; i++ {
            select {
            default:
                n++
                break
            }
            n += 100
        }
        fmt.Println("c", n)
        n = 0
        loop:
        for {
            select {
            case <-ch:
                n++
                if n == 5 {
                    break loop
                }
                continue loop
            }
        }
        fmt.Println("d", n)
        """),
    S("range-int-forms", "fmt", """
        type count int
        """, """
        var n int64 = 3
        for i := range n {
            fmt.Printf("%T:%d ", i, i)
        }
        fmt.Println()
        for range 2 {
            fmt.Print("x")
        }
        fmt.Println()
        var c count = 2
        for i := range c {
            fmt.Print(i+c, " ")
        }
        fmt.Println()
        xs := []string{"a", "b", "c"}
        for i := range len(xs) {
            fmt.Print(xs[len(xs)-1-i])
        }
        fmt.Println()
        var j int
        for j = range 4 {
        }
        fmt.Println(j)
        const k = 3
        total := 0
        for i := range k * 2 {
            total += i
        }
        fmt.Println(total)
        """),
    S("min-max-kinds", "fmt time", "", """
        fmt.Println(min(1, 2.5), max(3, 7, 5), min("b", "a", "c"), max(2.0, 1))
        x, y := 3, 9
        fmt.Println(min(x, y, 5), max(x, 0))
        d := max(2*time.Second, time.Second)
        fmt.Println(d)
        f := 1.5
        fmt.Println(min(f, 2), max(f, -1))
        var u uint8 = 200
        fmt.Println(max(u, 10), min(u, 10))
        fmt.Printf("%T %T\\n", min(1, 2), min(1.0, 2))
        """),
    S("once-funcs", "fmt sync", "", """
        calls := 0
        f := sync.OnceFunc(func() { calls++ })
        f()
        f()
        get := sync.OnceValues(func() (int, error) { calls++; return 42, nil })
        v, err := get()
        v2, _ := get()
        fmt.Println(calls, v, err, v2)
        var once sync.Once
        for i := 0; i < 3; i++ {
            once.Do(func() { fmt.Println("once", i) })
        }
        """),
    S("waitgroup-go", "fmt sync sync/atomic", "", """
        var wg sync.WaitGroup
        var total atomic.Int64
        for i := range 10 {
            wg.Go(func() {
                total.Add(int64(i))
            })
        }
        wg.Wait()
        fmt.Println(total.Load())
        results := make([]int, 5)
        var wg2 sync.WaitGroup
        for i := range results {
            wg2.Go(func() { results[i] = i * i })
        }
        wg2.Wait()
        fmt.Println(results)
        """),
    S("print-builtins", "", "", """
        println("a", 1, true, 2.5, -3)
        print("x", 1, "\\n")
        var f32 float32 = 0.1
        println(f32, 1e21, 100000000.0, 'x')
        """),
]


# What the interpreter gets wrong as written (found by the fidelity
# programs), which the kernel rewrites.
SNIPPETS += [
    S("receive-into-places", "fmt", """
        type box struct{ v int }

        func recv(c chan int) int { return <-c }

        func named(c chan int) (r int) {
            r = <-c
            return
        }
        """, """
        c := make(chan int, 8)
        for i := range 8 {
            c <- i + 1
        }
        s := make([]int, 2)
        s[0] = <-c
        var b box
        b.v = <-c
        p := &box{}
        p.v = <-c
        m := map[string]int{}
        m["k"] = <-c
        fmt.Println(recv(c), named(c), s, b.v, p.v, m)
        """),
    S("parallel-assign-with-calls", "fmt strings", """
        func next(a, b int) (int, int) { return b, a + b }
        """, """
        var x, y int
        x, y = 3, len(strings.Repeat("ab", 2))
        fmt.Println(x, y)
        a, b := 0, 1
        for range 5 {
            a, b = next(a, b)
        }
        var w, z int
        w, z = a, b+len("xyz")
        fmt.Println(a, b, w, z)
        ch := make(chan string, 1)
        ch <- "r"
        var label string
        var count int
        label, count = <-ch, 7
        fmt.Println(label, count)
        """),
    # The interpreter fills one case list per select statement in place:
    # goroutines running the same select at once sent each other's values.
    S("select-run-by-many-goroutines", "fmt sort sync", """
        type shape interface{ area() int }

        type sq struct{ s int }

        func (q sq) area() int { return q.s * q.s }

        func square(done <-chan struct{}, in <-chan int) <-chan int {
            out := make(chan int)
            go func() {
                defer close(out)
                for n := range in {
                    select {
                    case out <- n * n:
                    case <-done:
                        return
                    }
                }
            }()
            return out
        }

        func relay(in <-chan shape, out chan<- shape, wg *sync.WaitGroup) {
            defer wg.Done()
            for {
                select {
                case v, ok := <-in:
                    if !ok {
                        return
                    }
                    out <- v
                }
            }
        }
        """, """
        done := make(chan struct{})
        in := make(chan int)
        go func() {
            for i := 1; i <= 2000; i++ {
                in <- i
            }
            close(in)
        }()
        var outs []<-chan int
        for range 8 {
            outs = append(outs, square(done, in))
        }
        var got []int
        var mu sync.Mutex
        var wg sync.WaitGroup
        for _, c := range outs {
            wg.Add(1)
            go func(c <-chan int) {
                defer wg.Done()
                for v := range c {
                    mu.Lock()
                    got = append(got, v)
                    mu.Unlock()
                }
            }(c)
        }
        wg.Wait()
        sort.Ints(got)
        bad := 0
        for i, v := range got {
            if v != (i+1)*(i+1) {
                bad++
            }
        }
        fmt.Println(len(got), bad)

        shapes, relayed := make(chan shape), make(chan shape, 3000)
        var rw sync.WaitGroup
        for range 6 {
            rw.Add(1)
            go relay(shapes, relayed, &rw)
        }
        for i := 1; i <= 3000; i++ {
            shapes <- sq{i}
        }
        close(shapes)
        rw.Wait()
        close(relayed)
        total := 0
        for s := range relayed {
            total += s.area()
        }
        fmt.Println(total)
        close(done)
        """),
    # The interpreter read a method value's receiver when it was called,
    # from the variable it came from: go w.Run(out) in a loop ran every
    # goroutine on the last w.
    S("method-values-bind-their-receiver", "fmt sort", """
        type worker struct{ id int }

        func (w worker) run(out chan int) { out <- w.id }

        type counter struct{ n int }

        func (c *counter) inc() { c.n++ }
        """, """
        out := make(chan int, 4)
        for i := 0; i < 4; i++ {
            w := worker{i}
            go w.run(out)
        }
        var got []int
        for range 4 {
            got = append(got, <-out)
        }
        sort.Ints(got)
        fmt.Println(got)
        w := worker{1}
        f := w.run
        w = worker{2}
        c := make(chan int, 1)
        f(c)
        fmt.Println("bound to", <-c)
        var fs []func(chan int)
        for _, x := range []worker{{10}, {20}, {30}} {
            fs = append(fs, x.run)
        }
        c3 := make(chan int, 3)
        for _, g := range fs {
            g(c3)
        }
        fmt.Println(<-c3, <-c3, <-c3)
        var cnt counter
        inc := cnt.inc
        inc()
        inc()
        fmt.Println(cnt.n)
        """),
    # The interpreter gave unnamed parameters no frame slot: a body using
    # another package's symbols panicked with a reflect.Set error.
    S("unnamed-parameters", "fmt os strings", """
        func pid(int) bool { return os.Getpid() > 0 }

        func shout(string, int) string { return strings.ToUpper("ok") }

        func count(...int) int { return len(os.Args) * 0 }
        """, """
        f := func(int) string { return strings.Repeat("ab", 2) }
        fmt.Println(pid(1), shout("x", 2), count(1, 2), f(3))
        """),
    S("comma-ok-top-level", "fmt", "", """
        c := make(chan int, 1)
        c <- 5
        v, ok := <-c
        close(c)
        v2, ok2 := <-c
        m := map[string]bool{"yes": true}
        hit, found := m["yes"]
        var any1 interface{} = "text"
        str, isStr := any1.(string)
        n, isInt := any1.(int)
        fmt.Println(v, ok, v2, ok2, hit, found, str, isStr, n, isInt)
        """),
    S("fan-in-over-channel-slice", "fmt sort sync", """
        func merge(cs ...<-chan int) <-chan int {
            out := make(chan int)
            var wg sync.WaitGroup
            forward := func(c <-chan int) {
                defer wg.Done()
                for v := range c {
                    out <- v
                }
            }
            wg.Add(len(cs))
            for _, c := range cs {
                go forward(c)
            }
            go func() {
                wg.Wait()
                close(out)
            }()
            return out
        }

        func source(vals ...int) <-chan int {
            c := make(chan int)
            go func() {
                for _, v := range vals {
                    c <- v
                }
                close(c)
            }()
            return c
        }
        """, """
        var got []int
        for v := range merge(source(1, 2), source(3), source(4, 5, 6)) {
            got = append(got, v)
        }
        sort.Ints(got)
        fmt.Println(got)
        byName := map[string]chan string{"a": make(chan string, 1), "b": make(chan string, 1)}
        for name, ch := range byName {
            ch <- name + "!"
        }
        fmt.Println(<-byName["a"], <-byName["b"])
        """),
    S("closures-given-to-the-library", "fmt sort sync time", "", """
        var fs []func()
        for i := range 3 {
            fs = append(fs, sync.OnceFunc(func() { fmt.Print(i, " ") }))
        }
        for _, f := range fs {
            f()
        }
        fmt.Println()
        var mu sync.Mutex
        var fired []int
        var wg sync.WaitGroup
        for i := 0; i < 3; i++ {
            wg.Add(1)
            time.AfterFunc(time.Duration(3-i)*time.Millisecond, func() {
                mu.Lock()
                fired = append(fired, i)
                mu.Unlock()
                wg.Done()
            })
        }
        wg.Wait()
        sort.Ints(fired)
        fmt.Println(fired)
        """),
]


def go_program(imports, decls, stmts):
    imp = "".join(f'\t"{i}"\n' for i in imports)
    body = textwrap.indent(stmts, "\t")
    return f"package main\n\nimport (\n{imp})\n\n{decls}\n\nfunc main() {{\n{body}\n}}\n"


def fidelity_source(name):
    """The program, without its //go:build ignore line."""
    with open(os.path.join(FIDELITY_DIR, name + ".go")) as f:
        src = f.read()
    return re.sub(r"^//go:build ignore\n\n?", "", src, flags=re.M)


def split_program(src):
    """A program as interactive cells: its declarations (without the
    package clause), then the body of main as top-level statements."""
    lines = src.split("\n")
    start = lines.index("func main() {")
    end = lines.index("}", start)
    decls = [l for l in lines[:start] + lines[end + 1 :] if l != "package main"]
    body = [l[1:] if l.startswith("\t") else l for l in lines[start + 1 : end]]
    return "\n".join(decls).strip("\n"), "\n".join(body)


def split_declarations(src):
    """A program as one cell per top-level declaration (the imports one of
    them, comments with what they precede), then the body of main."""
    decls, body = split_program(src)
    lines = decls.split("\n")
    starts = [i for i, l in enumerate(lines) if re.match(r"(func|type|var|const|import)\b", l)]
    cells = []
    for k, i in enumerate(starts):
        while i > 0 and lines[i - 1].startswith("//"):
            i -= 1
        end = len(lines) if k + 1 == len(starts) else starts[k + 1]
        while end > 0 and lines[end - 1].startswith("//") and end - 1 > starts[k]:
            end -= 1
        cells.append("\n".join(lines[i:end]).strip("\n"))
    return [c for c in cells if c] + [body]


@pytest.fixture(scope="module")
def go_results(gocurrent_env, tmp_path_factory):
    """What every snippet and fidelity program prints under Go. Each
    program becomes a package of one module (its main renamed Main), and
    one command, linked once, runs the one its argument names."""
    go = need_program("go", "golang-go (or a Go toolchain on PATH)")
    mod = tmp_path_factory.mktemp("gosemantics", numbered=False)
    progs = {}
    for name, imports, decls, stmts in SNIPPETS:
        progs["snippet/" + name] = go_program(imports, decls, stmts)
    for name in FIDELITY:
        progs["fidelity/" + name] = fidelity_source(name)
    return run_under_go(go, mod, progs, gocurrent_env.env)


def run_cell(km, kc, code, timeout=10):
    """Run a cell; if it has not finished in time, interrupt it so the
    kernel is usable again, and fail."""
    msg_id = kc.execute(code, allow_stdin=False)
    try:
        reply = shell_reply(kc, msg_id, timeout=timeout)
    except TimeoutError:
        km.interrupt_kernel()
        try:
            shell_reply(kc, msg_id, timeout=20)
            collect_iopub(kc, msg_id, timeout=10)
        except (TimeoutError, queue.Empty):
            pass
        pytest.fail(f"the cell did not finish within {timeout} s (interrupted):\n{code}")
    return Run(msg_id, reply, collect_iopub(kc, msg_id))


def run_ok(km, kc, code, want_out, timeout=10):
    r = run_cell(km, kc, code, timeout)
    assert r.status == "ok", f"the cell failed where Go printed {want_out!r}:\n{code}\n{r.describe()}"
    return r


SNIPPETS += [
    S("sort-and-heap-of-session-types", "container/heap fmt sort", """
        type byLen []string

        func (b byLen) Len() int           { return len(b) }
        func (b byLen) Less(i, j int) bool { return len(b[i]) < len(b[j]) }
        func (b byLen) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

        type jobs []int

        func (h jobs) Len() int           { return len(h) }
        func (h jobs) Less(i, j int) bool { return h[i] < h[j] }
        func (h jobs) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
        func (h *jobs) Push(x any)        { *h = append(*h, x.(int)) }
        func (h *jobs) Pop() any {
            old := *h
            x := old[len(old)-1]
            *h = old[:len(old)-1]
            return x
        }
        """, """
        words := byLen{"ccc", "a", "bb"}
        sort.Sort(words)
        fmt.Println(words, sort.IsSorted(words))
        sort.Sort(sort.Reverse(words))
        fmt.Println(words)
        h := &jobs{5, 2, 8}
        heap.Init(h)
        heap.Push(h, 3)
        for h.Len() > 0 {
            fmt.Print(heap.Pop(h), " ")
        }
        fmt.Println()
        """),
    S("any-to-interface-assertions", "fmt", """
        type Named interface{ Name() string }

        type Greeter interface {
            Named
            Greet() string
        }

        type person struct{ name string }

        func (p person) Name() string   { return p.name }
        func (p person) Greet() string  { return "hi " + p.name }
        func (p person) String() string { return "P(" + p.name + ")" }
        """, """
        var a any = person{"x"}
        _, ok1 := a.(fmt.Stringer)
        n, ok2 := a.(Named)
        g, ok3 := any(n).(Greeter)
        fmt.Println(ok1, ok2, ok3, n.Name(), g.Greet(), a.(Named).Name())
        m := Named(person{"y"})
        _, ok4 := m.(Greeter)
        fmt.Println(ok4)
        for _, v := range []any{person{"z"}, 3, "s"} {
            switch t := v.(type) {
            case int:
                fmt.Println("int", t)
            case Greeter:
                fmt.Println("greeter", t.Greet())
            default:
                fmt.Println("other", t)
            }
        }
        x := 1
        fmt.Println(x)
        var s fmt.Stringer = person{"after"}
        var k, l = x + 1, len(s.String())
        fmt.Println(s, k, l)
        """),
    S("number-verbs-of-stringers", "fmt", """
        type W int

        func (w W) String() string { return "w" }

        type C float64

        func (c C) Error() string { return "c" }
        """, """
        w, c := W(3), C(2.5)
        fmt.Printf("%v %d %5d|%x %s %.2f %g %v %c\\n", w, w, w, w, w, c, c, c, W(65))
        """),
    S("session-writer-in-multiwriter", "fmt io os", """
        type counter struct{ n int }

        func (c *counter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
        """, """
        c := &counter{}
        w := io.MultiWriter(c, os.Stdout)
        fmt.Fprintln(w, "hello")
        fmt.Println(c.n)
        """),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name,imports,decls,stmts", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_cell_matches_go_run(fresh_kernel, go_results, name, imports, decls, stmts):
    km, kc = fresh_kernel  # a session of its own: names repeat across snippets
    want_out, want_err = go_results["snippet/" + name]
    cell = (decls + "\n\n" + stmts) if decls else stmts
    r = run_ok(km, kc, cell, want_out)
    assert r.user_stdout == want_out, f"stdout differs from go run:\n{r.describe()}"
    assert r.stderr == want_err, f"stderr differs from go run ({want_err!r}):\n{r.describe()}"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("name", FIDELITY)
def test_fidelity_cells(fresh_kernel, go_results, name):
    """fidelity/NAME.go as interactive cells: declarations, then main's
    body as top-level statements; a program whose comment says interpreted
    cells stop with an error may stop, after printing only what go run
    prints."""
    check_cells(fresh_kernel, go_results, name, list(split_program(fidelity_source(name))), 30, 30,
                exact=not interpreter_stops(name))


def interpreter_stops(name):
    """Whether fidelity/NAME.go says that interpreted cells stop with an
    error (a construct the interpreter refuses)."""
    return "\n// Interpreted cells stop with an error: " in fidelity_source(name)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", FIDELITY)
def test_fidelity_cells_compiled(fresh_compiled_kernel, go_results, name):
    """fidelity/NAME.go as interactive cells in a compiled session: the
    same two cells, built with the Go toolchain, print exactly what go run
    prints."""
    km, kc = fresh_compiled_kernel
    want_out, want_err = go_results["fidelity/" + name]
    decls, body = split_program(fidelity_source(name))
    r1 = run_ok(km, kc, decls, want_out, timeout=180)  # the first cell waits for the host's build
    r2 = run_ok(km, kc, body, want_out, timeout=60)
    assert r1.user_stdout + r2.user_stdout == want_out, f"stdout differs from go run:\n{r1.describe()}\n{r2.describe()}"
    assert r1.stderr + r2.stderr == want_err, f"stderr differs from go run ({want_err!r}):\n{r2.describe()}"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("name", FIDELITY)
def test_fidelity_declaration_cells(fresh_kernel, go_results, name):
    """fidelity/NAME.go as one cell per declaration (a type, each of its
    methods, each function and variable in cells of their own, in the
    program's order), then main's body: what the interpreter prints is
    what go run prints, up to a cell that fails with an error."""
    check_cells(fresh_kernel, go_results, name, split_declarations(fidelity_source(name)), 30, 30, exact=False)


@pytest.mark.timeout(420)
@pytest.mark.parametrize("name", FIDELITY)
def test_fidelity_declaration_cells_compiled(fresh_compiled_kernel, go_results, name):
    """The same cells in a compiled session: a method in a later cell than
    its type declares the type again there, and what uses it, keeping the
    values of its variables."""
    check_cells(fresh_compiled_kernel, go_results, name, split_declarations(fidelity_source(name)), 180, 60)


def check_cells(kernel, go_results, name, cells, first_timeout, timeout, exact=True):
    """Run cells in one session: all of them succeed, and print what go run
    prints; or, unless exact, one fails with an error and what the cells
    printed before it is the beginning of what go run prints."""
    km, kc = kernel
    want_out, want_err = go_results["fidelity/" + name]
    runs = []
    for i, c in enumerate(cells):
        r = run_cell(km, kc, c, timeout=first_timeout if i == 0 else timeout)
        runs.append(r)
        if r.status != "ok":
            described = "\n".join(r.describe() for r in runs)
            assert not exact, f"the cell failed where Go printed {want_out!r}:\n{c}\n{described}"
            printed = "".join(r.user_stdout for r in runs)
            assert want_out.startswith(printed), f"stdout differs from go run before the error:\n{described}"
            assert r.error, f"the failed cell reported no error:\n{described}"
            return
    got_out = "".join(r.user_stdout for r in runs)
    got_err = "".join(r.stderr for r in runs)
    described = "\n".join(r.describe() for r in runs)
    assert got_out == want_out, f"stdout differs from go run:\n{described}"
    assert got_err == want_err, f"stderr differs from go run ({want_err!r}):\n{described}"


@pytest.mark.program_cell
@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", FIDELITY)
def test_fidelity_program_cell(fresh_kernel, go_results, name):
    """fidelity/NAME.go as one cell: a whole program, which the kernel runs
    natively (select with -m program_cell, leave out with -m 'not
    program_cell')."""
    km, kc = fresh_kernel
    want_out, want_err = go_results["fidelity/" + name]
    r = run_ok(km, kc, fidelity_source(name), want_out, timeout=60)
    assert r.user_stdout == want_out, f"stdout differs from go run:\n{r.describe()}"
    assert r.stderr == want_err, f"stderr differs from go run ({want_err!r}):\n{r.describe()}"


# Constructs the interpreter cannot run faithfully: the cell stops before
# it runs, with an error that names the construct and suggests %%native.
UNSUPPORTED = [
    ("stringer-in-slice", "type item struct{ n int }\n\nfunc (i item) String() string { return \"#\" }\n\n"
     "fmt.Println(\"first\")\nfmt.Println(map[string]item{\"a\": {1}})", "String method"),
    ("defer-in-range-func", "for x := range func(yield func(int) bool) { yield(1) } {\n\tdefer fmt.Println(x)\n}",
     "defer inside a range over a function"),
    ("newer-generic-package", "fmt.Println(unique.Make(1).Value())", "unique.Make"),
    ("defer-in-loop", "func f() {\n\tfor i := 0; i < 3; i++ {\n\t\tdefer fmt.Println(i)\n\t}\n}\n\nf()",
     "defer in a loop"),
    ("deferred-literal-in-loop", "func f() {\n\tfor _, s := range []string{\"a\", \"b\"} {\n\t\tdefer func() { fmt.Println(s) }()\n\t}\n}\n\nf()",
     "defer in a loop, of a function literal that uses variables declared in the loop"),
    ("json-marshal-method", "import \"encoding/json\"\n\ntype C float64\n\nfunc (c C) MarshalJSON() ([]byte, error) { return []byte(`1`), nil }\n\n"
     "b, _ := json.Marshal([]C{2})\nfmt.Println(string(b))", "encoding/json with a value that holds C"),
    ("nil-pointer-conversion", "type E struct{}\n\nfunc (*E) Error() string { return \"e\" }\n\nvar err error = (*E)(nil)\nfmt.Println(err != nil)",
     "a nil *E in an interface"),
    ("same-underlying-assertion", "type A struct{}\n\ntype B struct{}\n\nvar x any = A{}\n_, ok := x.(B)\nfmt.Println(ok)",
     "type assertion to B: the interpreter makes B and A one type"),
    ("same-underlying-switch-case", "type Level int\n\nvar x any = 3\nswitch x.(type) {\ncase Level:\n\tfmt.Println(\"Level\")\n}",
     "type switch case Level: the interpreter makes Level and int one type"),
    ("same-underlying-comparison", "type N int\n\nfmt.Println(any(N(1)) == any(1))",
     "comparison of interface values: the interpreter makes int and N one type"),
    ("same-underlying-map-key", "type A struct{}\n\ntype B struct{}\n\nm := map[any]int{A{}: 1, B{}: 2}\nfmt.Println(len(m))",
     "a map with keys of type any"),
    ("same-underlying-context-keys", "type userKey struct{}\n\ntype traceKey struct{}\n\n"
     "ctx := context.WithValue(context.Background(), userKey{}, \"ann\")\nfmt.Println(ctx.Value(traceKey{}))",
     "a context key of type traceKey, with keys of type userKey in use"),
    ("plus-v-of-unexported-fields", "type P struct{ x, y int }\n\nfmt.Printf(\"%+v\\n\", []P{{1, 2}})",
     "%+v of a value of type []P prints the names of the fields of P"),
    ("json-of-unexported-fields", "import \"encoding/json\"\n\ntype Q struct {\n\tX int\n\ty int\n}\n\n"
     "b, _ := json.Marshal(Q{1, 2})\nfmt.Println(string(b))", "encoding/json with a value that holds Q, a struct with unexported fields"),
    ("var-order-through-a-function", "func two() int { return e }\n\nvar f = two() + 1\nvar e = 2\n\nfmt.Println(f)",
     "var f calls a function that uses e, which is declared after it"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name,code,says", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_says_so(fresh_kernel, name, code, says):
    km, kc = fresh_kernel
    r = run_cell(km, kc, code)
    assert r.status == "error", f"the cell ran:\n{r.describe()}"
    err = r.error
    assert err["ename"] == "not supported by the interpreter", r.describe()
    assert says in err["evalue"] and "%%native" in err["evalue"], r.describe()
    assert 'compiled kernel "Go (gocurrent, compiled)"' in err["evalue"], r.describe()
    assert r.user_stdout == "", f"the cell ran in part:\n{r.describe()}"
