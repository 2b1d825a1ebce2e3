package interp

import (
	"context"
	"strings"
	"testing"
)

// TestGoStatementForms runs the forms a go statement takes through the
// rewriting, and checks they behave as in Go.
func TestGoStatementForms(t *testing.T) {
	e := newEngine(t)
	cells := []struct{ code, want string }{
		{"var wg sync.WaitGroup\nvar mu sync.Mutex\nvar got []string\nfunc note(s string) {\n\tmu.Lock()\n\tgot = append(got, s)\n\tmu.Unlock()\n\twg.Done()\n}", ""},
		{"wg.Add(1)\ngo note(\"plain\")\nwg.Wait()\nfmt.Println(got)", "[plain]\n"},
		{"func sum(tag string, xs ...int) {\n\tt := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\tnote(fmt.Sprint(tag, t))\n}\nwg.Add(2)\ngo sum(\"a\", 1, 2, 3)\nxs := []int{4, 5}\ngo sum(\"b\", xs...)\nwg.Wait()\nsort.Strings(got)\nfmt.Println(got)", "[a6 b9 plain]\n"},
		{"got = nil\nfunc gen[T any](x T) { note(fmt.Sprint(x)) }\nwg.Add(2)\ngo gen(1.5)\ngo gen[string](\"s\")\nwg.Wait()\nsort.Strings(got)\nfmt.Println(got)", "[1.5 s]\n"},
		{"got = nil\nf := func(x int) { note(fmt.Sprint(\"f\", x)) }\nwg.Add(1)\ngo f(7)\nwg.Wait()\nfmt.Println(got)", "[f7]\n"},
		{"got = nil\ntype C struct{ n int }\nfunc (c *C) inc(by int) { c.n += by; note(fmt.Sprint(\"c\", c.n)) }\nc := &C{}\nwg.Add(1)\ngo c.inc(2)\nwg.Wait()\nfmt.Println(got)", "[c2]\n"},
		{"got = nil\nfunc half(x float64) { note(fmt.Sprint(x / 2)) }\nwg.Add(1)\ngo half(3)\nwg.Wait()\nfmt.Println(got)", "[1.5]\n"},
		{"got = nil\nfunc anon(int, string) { note(\"anon\") }\nwg.Add(1)\ngo anon(1, \"a\")\nwg.Wait()\nfmt.Println(got)", "[anon]\n"},
		{"got = nil\nwg.Add(2)\ngo func() {\n\tgo note(\"inner\")\n\tnote(\"outer\")\n}()\nwg.Wait()\nsort.Strings(got)\nfmt.Println(got)", "[inner outer]\n"},
		{"got = nil\nfunc pipe(in <-chan int, out chan<- int) {\n\tfor v := range in {\n\t\tout <- v * 10\n\t}\n\tclose(out)\n}\nin, out := make(chan int), make(chan int)\ngo pipe(in, out)\ngo func() {\n\tfor i := 1; i <= 3; i++ {\n\t\tin <- i\n\t}\n\tclose(in)\n}()\nfor v := range out {\n\tfmt.Print(v, \" \")\n}\nfmt.Println()", "10 20 30 \n"},
		{"ch := make(chan int, 3)\nfor i := 0; i < 3; i++ {\n\tgo func(n int) { ch <- n * n }(i)\n}\ns := 0\nfor i := 0; i < 3; i++ {\n\ts += <-ch\n}\nfmt.Println(s)", "5\n"},
		{"done := make(chan bool)\ngo fmt.Println(\"from a package function\")\ngo func() { time.Sleep(50 * time.Millisecond); done <- true }()\n<-done", "from a package function\n"},
		{"got = nil\nfunc note2(s string) { note(s + \"!\") }\nfunc start() { go note2(\"v1\") }\nwg.Add(1)\nstart()\nwg.Wait()\nfmt.Println(got)", "[v1!]\n"},
		{"got = nil\nfunc note2(s string) { note(s + \"?\") }\nwg.Add(1)\nstart()\nwg.Wait()\nfmt.Println(got)", "[v1?]\n"},
	}
	for i, c := range cells {
		var r record
		res := e.Execute(context.Background(), c.code, i+1, &r)
		if res.Err != nil {
			t.Fatalf("cell %d:\n%s\n%s: %s\n%s", i+1, c.code, res.Err.Name, res.Err.Value, strings.Join(res.Err.Traceback, "\n"))
		}
		if got := r.stdout.String(); got != c.want {
			t.Errorf("cell %d:\n%s\nprinted %q, want %q", i+1, c.code, got, c.want)
		}
	}
}
