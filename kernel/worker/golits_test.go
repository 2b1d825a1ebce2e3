package worker

import (
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

func TestHoistGoLiterals(t *testing.T) {
	cases := []struct {
		name, body string
		hoisted    bool
	}{
		{"session names only", "\nfor i := 0; i < 3; i++ {\n\tgo func() {\n\t\ttotal++\n\t}()\n}", true},
		{"own parameter", "\nfor i := 0; i < 3; i++ {\n\tgo func(k int) { total += k }(i)\n}", true},
		{"own variable", "\ngo func() { x := 1; total += x }()", true},
		{"loop variable passed", "\nfor i := 0; i < 3; i++ {\n\tgo func(i int) { total += i }(i)\n}", true},
		{"parameter's type declared around", "\ntype T int\nfor i := 0; i < 3; i++ {\n\tgo func(k T) { _ = k }(T(i))\n}", false},
		{"loop variable declared again inside", "\nfor i := 0; i < 3; i++ {\n\tgo func() { i := 2; _ = i }()\n}", false},
		{"field of a session value", "\ngo func() { s.n++; s.mu.Lock() }()", true},
		{"loop variable", "\nfor i := 0; i < 3; i++ {\n\tgo func() { total += i }()\n}", false},
		{"range variable", "\nfor _, v := range xs {\n\tgo func() { total += v }()\n}", false},
		{"local declared with var", "\nfor {\n\tvar n int\n\tgo func() { n++ }()\n}", false},
		{"local type", "\nfor {\n\ttype T int\n\tgo func() { var t T; _ = t }()\n}", false},
		{"name declared inside and outside", "\nfor x := 0; x < 2; x++ {\n\tgo func() { x := 2; _ = x }()\n}", false},
		{"label outside", "\nL:\nfor {\n\tgo func() { _ = L }()\n\tbreak L\n}", false},
		{"nested in a literal", "\nf := func() { go func() { total++ }() }\nf()", false},
		{"not a literal", "\ngo work(1)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &session{}
			body, decls := s.hoistGoLiterals(c.body)
			if got := decls != ""; got != c.hoisted {
				t.Fatalf("hoisted = %v, want %v:\n%s\n%s", got, c.hoisted, body, decls)
			}
			if strings.Count(body, "\n") != strings.Count(c.body, "\n") {
				t.Errorf("lines moved:\n%q\n%q", c.body, body)
			}
			if c.hoisted && !strings.Contains(body, "go "+litPrefix+"1(") {
				t.Errorf("body %q does not call %s1", body, litPrefix)
			}
		})
	}
}

// yaegi may read a variable that several names take from one call, or
// that a statement declared, wrongly in a function declared after it: a
// literal that uses such a variable stays a literal.
func TestGoLiteralUsingAStatementsVariableStaysALiteral(t *testing.T) {
	body := "\nfor range 3 {\n\tgo func() { <-ctx.Done(); total++ }()\n}"
	s := &session{names: map[string]string{"ctx": "var", "total": "var"}, decls: map[string]string{"total": "var total int"}}
	if _, decls := s.hoistGoLiterals(body); decls != "" {
		t.Errorf("a literal using ctx (declared by ctx := ...) was made a function: %s", decls)
	}
	s.decls["ctx"] = "var ctx, cancel = context.WithCancel(context.Background())"
	if _, decls := s.hoistGoLiterals(body); decls != "" {
		t.Errorf("a literal using ctx (declared with var ctx, cancel = f()) was made a function: %s", decls)
	}
	s.decls["ctx"] = "var ctx context.Context"
	if _, decls := s.hoistGoLiterals(body); decls == "" {
		t.Error("a literal using only variables declared with var was not made a function")
	}
	s.decls["ctx"] = "var (\n\tn = 1\n\tctx = context.Background()\n)"
	if _, decls := s.hoistGoLiterals(body); decls == "" {
		t.Error("a literal using only variables declared with var, one value each, was not made a function")
	}
}

func TestHoistedGoLiteralKeepsLinesAndColumns(t *testing.T) {
	s := &session{}
	body, decls := s.hoistGoLiterals("\nfor i := 0; i < 3; i++ {\n\tgo func(k int) {\n\t\ttotal += k\n\t}(\n\t\ti)\n}")
	want := "\nfor i := 0; i < 3; i++ {\n\tgo " + litPrefix + "1(\n\n   \n\t\ti)\n}"
	if body != want {
		t.Errorf("body\n%q\nwant\n%q", body, want)
	}
	wantDecls := "\nfunc " + litPrefix + "1/*line :3:9*/(k int) {\n\t\ttotal += k\n\t}"
	if decls != wantDecls {
		t.Errorf("declarations\n%q\nwant\n%q", decls, wantDecls)
	}
}

// A goroutine of a cell's loop whose literal uses only session names runs
// a session function: the same results, the session's variables shared.
// (Its panics: kernel/interp, TestGoLiteralMadeAFunctionPanicsAsALiteral.)
func TestGoLiteralsOfALoopRunAsSessionFunctions(t *testing.T) {
	w := newBenchWorker(t)
	code := "var total int64\nvar wg sync.WaitGroup\nfor i := 0; i < 1000; i++ {\n\twg.Add(1)\n\tgo func(i int64) {\n\t\tdefer wg.Done()\n\t\tatomic.AddInt64(&total, i)\n\t}(int64(i))\n}\nwg.Wait()\ntotal"
	res := w.execute(1, wire.Execute{Code: "import (\"sync\"; \"sync/atomic\")\n" + code, Count: 1})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := res.Data["text/plain"]; got != "499500" {
		t.Errorf("total = %v, want 499500", got)
	}
	if w.sess.lits == 0 {
		t.Error("the loop's literal was not made a session function")
	}

	// A context from a statement: its method works in the literal.
	code = "import \"context\"\nctx, cancel := context.WithCancel(context.Background())\nvar stopped atomic.Int64\nfor range 3 {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\t<-ctx.Done()\n\t\tstopped.Add(1)\n\t}()\n}\ncancel()\nwg.Wait()\nstopped.Load()"
	res = w.execute(2, wire.Execute{Code: code, Count: 2})
	if res.Err != nil {
		t.Fatal(res.Err.Value)
	}
	if got := res.Data["text/plain"]; got != "3" {
		t.Errorf("stopped = %v, want 3", got)
	}
}

func TestAnErrorInAGoLiteralOfALoopNamesTheCellsLine(t *testing.T) {
	w := newBenchWorker(t)
	res := w.execute(1, wire.Execute{Code: "n := 0\nfor i := 0; i < 1; i++ {\n\tgo func() {\n\t\tn += \"x\"\n\t}()\n}", Count: 1})
	if res.Err == nil {
		t.Fatal("no error for adding a string to an int")
	}
	if tb := strings.Join(res.Err.Traceback, "\n"); !strings.Contains(tb, "4 |") || !strings.Contains(res.Err.Value+tb, "4:") {
		t.Errorf("the error does not name cell line 4:\n%s\n%s", res.Err.Value, tb)
	}
}
