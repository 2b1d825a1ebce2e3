package interp

import (
	"context"
	"strings"
	"testing"
)

// modernCell is a cell and what it must print (as Go prints it), or the
// error it must stop with.
type modernCell struct {
	code    string
	stdout  string
	stderr  string
	errName string // "" for none
	errHas  []string
}

func runModernCells(t *testing.T, cells []modernCell) {
	t.Helper()
	e := newEngine(t)
	for i, c := range cells {
		var r record
		res := e.Execute(context.Background(), c.code, i+1, &r)
		if c.errName != "" {
			if res.Err == nil {
				t.Errorf("cell %d:\n%s\nran (printed %q), want error %s", i+1, c.code, r.stdout.String(), c.errName)
				continue
			}
			if res.Err.Name != c.errName {
				t.Errorf("cell %d:\n%s\nerror %s: %s, want %s", i+1, c.code, res.Err.Name, res.Err.Value, c.errName)
			}
			for _, s := range c.errHas {
				if !strings.Contains(res.Err.Value+strings.Join(res.Err.Traceback, "\n"), s) {
					t.Errorf("cell %d:\n%s\nerror %q does not say %q", i+1, c.code, res.Err.Value, s)
				}
			}
			continue
		}
		if res.Err != nil {
			t.Fatalf("cell %d:\n%s\n%s: %s\n%s", i+1, c.code, res.Err.Name, res.Err.Value, strings.Join(res.Err.Traceback, "\n"))
		}
		if got := r.stdout.String(); got != c.stdout {
			t.Errorf("cell %d:\n%s\nprinted %q, want %q", i+1, c.code, got, c.stdout)
		}
		if got := r.stderr.String(); got != c.stderr {
			t.Errorf("cell %d:\n%s\nwrote %q to stderr, want %q", i+1, c.code, got, c.stderr)
		}
	}
}

// TestModernRangeOverFunc: break, continue and return inside the body of a
// range over a function, nested and labelled, as the spec says.
func TestModernRangeOverFunc(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `func upTo(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				fmt.Print("[stop ", i, "]")
				return
			}
		}
	}
}
func find(limit, want int) (int, string) {
	for i := range upTo(limit) {
		for j := range upTo(3) {
			if i*j == want {
				return i, fmt.Sprint("j=", j)
			}
		}
	}
	return -1, "none"
}
func named() (n int) {
	for x := range upTo(10) {
		n += x
		if x == 3 {
			return
		}
	}
	return 100
}`},
		{code: `fmt.Println(find(5, 6))
fmt.Println(find(2, 9))
fmt.Println(named())`,
			stdout: "[stop 2][stop 3]3 j=2\n-1 none\n[stop 3]6\n"},
		{code: `outer:
for _, a := range []int{1, 2, 3} {
	for x := range upTo(4) {
		switch {
		case x == 1:
			continue
		case a == 2 && x == 2:
			continue outer
		case a == 3:
			break outer
		}
		fmt.Print(a, x, " ")
	}
}
fmt.Println()`,
			stdout: "1 0 1 2 1 3 2 0 [stop 2][stop 0]\n"},
		{code: `var k, v int
for k, v = range func(yield func(int, int) bool) { yield(1, 10); yield(2, 20) } {
}
fmt.Println(k, v)
for range upTo(2) {
	fmt.Print("x")
}
fmt.Println()`,
			stdout: "2 20\nxx\n"},
		{code: `for x := range upTo(3) {
	defer fmt.Println(x)
}`, errName: "not supported by the interpreter", errHas: []string{"defer inside a range over a function", "%%native", "cell line 2:"}},
	})
}

// TestModernLoops: per-iteration variables, copied back when the body
// changes them; range over integers; break and continue in select cases.
func TestModernLoops(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `var fs []func() int
for i := 0; i < 8; i++ {
	if i%3 == 0 {
		i++
		continue
	}
	fs = append(fs, func() int { return i })
}
for _, f := range fs {
	fmt.Print(f(), " ")
}
fmt.Println()`, stdout: "2 5 \n"},
		{code: `type small uint8
var n small = 3
total := 0
for i := range n {
	total += int(i) * 10
}
for range 2 {
	total++
}
fmt.Println(total, min(n, 2), max(7, 3.5))`, stdout: "32 2 7\n"},
		{code: `ch := make(chan int)
close(ch)
hits := 0
for i := 0; i < 4; i++ {
	select {
	case <-ch:
		hits++
		if i == 2 {
			break
		}
		continue
	}
	hits += 100
}
fmt.Println(hits)`, stdout: "104\n"},
		{code: `ctx, cancel := context.WithCancel(context.Background())
cancel()
spins := 0
loop:
for {
	select {
	case <-ctx.Done():
		break loop
	default:
		spins++
	}
}
fmt.Println("out", spins)`, stdout: "out 0\n"},
	})
}

// TestModernGenerics: calls of generic functions run as instances, with
// inference the interpreter gets wrong (two type parameters, core types),
// and a redefinition takes effect.
func TestModernGenerics(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `func pairUp[K comparable, V any](ks []K, f func(K) V) map[K]V {
	m := map[K]V{}
	for _, k := range ks {
		m[k] = f(k)
	}
	return m
}
func sizes[S ~[]E, E any](s S) int { return len(s) }
type names []string
got := pairUp([]string{"a", "bb"}, func(s string) int { return len(s) })
fmt.Println(got["bb"], sizes(names{"x", "y", "z"}), sizes([]float64{}))`, stdout: "2 3 0\n"},
		{code: `func twice[T any](x T) []T { return []T{x, x} }
y := twice(3)
z := twice[string]("s")
fmt.Println(y, z, len(twice(twice(1.5))))`, stdout: "[3 3] [s s] 2\n"},
		{code: `func twice[T any](x T) []T { return []T{x, x, x} }
fmt.Println(twice(1))`, stdout: "[1 1 1]\n"},
		{code: `func fact[T ~int | ~int64](n T) T {
	if n <= 1 {
		return 1
	}
	return n * fact(n-1)
}
fmt.Println(fact(5), fact(int64(10)))`, stdout: "120 3628800\n"},
		{code: `xs := []int{3, 1, 2}
ys := slices.Clone(xs)
slices.Sort(ys)
idx := slices.Index(ys, 3)
fmt.Println(xs, ys, idx, slices.Max(xs))`, stdout: "[3 1 2] [1 2 3] 2 3\n"},
		{code: `var p atomic.Pointer[string]
s := "v"
p.Store(&s)
fmt.Println(*p.Load(), p.CompareAndSwap(&s, nil), p.Load() == nil)`, stdout: "v true true\n"},
	})
}

// TestModernInterpreterTraps: constructs the interpreter gets wrong as
// written and right after the rewriting.
func TestModernInterpreterTraps(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `c := make(chan string, 1)
c <- "x"
v, ok := <-c
m := map[int]bool{1: true}
b, found := m[2]
fmt.Println(v, ok, b, found)`, stdout: "x true false false\n"},
		{code: `func recv(c chan int) int { return <-c }
type box struct{ v int }
func fill(c chan int) []int {
	s := make([]int, 2)
	var bx box
	s[0] = <-c
	bx.v = <-c
	s[1] = bx.v
	return s
}
c := make(chan int, 3)
c <- 1; c <- 2; c <- 3
fmt.Println(recv(c), fill(c))`, stdout: "1 [2 3]\n"},
		{code: `chans := []chan int{make(chan int, 1), make(chan int, 1)}
for i, ch := range chans {
	ch <- i + 10
}
sum := 0
for _, ch := range chans {
	sum += <-ch
}
fmt.Println(sum)`, stdout: "21\n"},
		{code: `var wg sync.WaitGroup
out := make([]string, 3)
put := func(i int, s string) { out[i] = s; wg.Done() }
for i, s := range []string{"a", "b", "c"} {
	wg.Add(1)
	go put(i, s)
}
wg.Wait()
fmt.Println(out)`, stdout: "[a b c]\n"},
		{code: `var fs []func()
for i := range 3 {
	fs = append(fs, sync.OnceFunc(func() { fmt.Print(i) }))
}
for _, f := range fs {
	f()
}
fmt.Println()`, stdout: "012\n"},
		{code: `var wg sync.WaitGroup
wg.Go(func() { panic("boom") })
wg.Wait()`, errName: "panic", errHas: []string{"boom", "goroutine"}},
		{code: `var errLow = errors.New("low")
type opError struct{ op string; err error }
func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
type shape interface{ area() int }
type sq struct{ n int }
func (s sq) area() int { return s.n * s.n }
func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case *opError:
		return "op " + x.op
	case shape:
		return fmt.Sprint("shape ", x.area())
	case error:
		return "error " + x.Error()
	case int, string:
		return fmt.Sprint("basic ", x)
	}
	return "other"
}`},
		{code: `err := fmt.Errorf("wrapped: %w", &opError{"read", errLow})
var oe *opError
fmt.Println(errors.Is(err, errLow), errors.As(err, &oe), oe.op, errors.Unwrap(errors.Unwrap(err)) == errLow)
for _, v := range []any{nil, oe, sq{3}, errors.New("plain"), 7, "s", 1.5} {
	fmt.Print(kind(v), "; ")
}
fmt.Println()`, stdout: "true true read true\nnil; op read; shape 9; error plain; basic 7; basic s; other; \n"},
	})
}

// TestModernBuiltinsAndLibrary: print and println write to stderr as the
// runtime formats them; the library's iterators.
func TestModernBuiltinsAndLibrary(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `println("a", 1, true, 2.5, int8(-3))
print("b", 'x', "\n")`, stderr: "a 1 true 2.5 -3\nb120\n"},
		{code: `m := map[string]int{"z": 26, "a": 1}
clear(m)
s := []int{1, 2}
clear(s)
fmt.Println(len(m), s, min("b", "a"), max(1.5, 2))`, stdout: "0 [0 0] a 2\n"},
		{code: `keys := slices.Sorted(maps.Keys(map[string]int{"b": 1, "a": 2}))
next, stop := iter.Pull(slices.Values(keys))
k1, _ := next()
stop()
_, more := next()
var seq iter.Seq2[int, string]
seq = slices.All(keys)
for i, k := range seq {
	fmt.Print(i, k)
}
fmt.Println(keys, k1, more)`, stdout: "0a1b[a b] a false\n"},
		{code: `get := sync.OnceValues(func() (int, error) { return 7, nil })
n, err := get()
fmt.Println(n, err, cmp.Compare(2, 1), cmp.Or("", "x"))`, stdout: "7 <nil> 1 x\n"},
	})
}

// TestModernSaysSo: what cannot run faithfully stops the cell before it
// runs, with an error that names the construct and suggests %%native.
func TestModernSaysSo(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `type item struct{ n int }
func (i item) String() string { return fmt.Sprint("#", i.n) }`},
		{code: `fmt.Println("before")
fmt.Println(map[string]item{"a": {1}})`, errName: "not supported by the interpreter",
			errHas: []string{"String method", "%%native", "cell line 2:13"}},
		{code: `h := unique.Make("x")
fmt.Println(h.Value())`, errName: "not supported by the interpreter",
			errHas: []string{"unique.Make", "%%native"}},
		{code: `func local() int {
	type t int
	return slices.Max([]t{1, 2})
}`, errName: "not supported by the interpreter",
			errHas: []string{"declared inside a function", "%%native"}},
		{code: `type bag[T cmp.Ordered] struct{ items []T }
func (b *bag[T]) sorted() []T { out := slices.Clone(b.items); slices.Sort(out); return out }`,
			errName: "not supported by the interpreter", errHas: []string{"slices.Clone", "generic type's method", "%%native"}},
		{code: `fmt.Println(item{2})`, stdout: "#2\n"},
	})
}

// TestModernPositions: rewritten lines keep their line numbers, so errors
// point at the cell's own lines.
func TestModernPositions(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: `xs := []int{}
for i := range 3 {
	_ = min(i, 2)
}
fmt.Println(xs[5])`, errName: "panic", errHas: []string{"index out of range", "cell line 5"}},
		{code: `for x := range func(yield func(int) bool) { yield(1) } {
	_ = x
}
undefinedThing()`, errName: "compile error", errHas: []string{"undefined: undefinedThing", "cell line 4"}},
	})
}
