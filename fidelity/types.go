//go:build ignore

// Types: methods and method sets, embedding, interfaces, type switches,
// custom errors, Stringers, closures over state.
package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

type Shape interface {
	Area() float64
	Perimeter() float64
}

type Rect struct{ W, H float64 }

func (r Rect) Area() float64      { return r.W * r.H }
func (r Rect) Perimeter() float64 { return 2 * (r.W + r.H) }
func (r Rect) String() string     { return fmt.Sprintf("Rect(%gx%g)", r.W, r.H) }

type Square struct {
	Rect
	label string
}

func NewSquare(s float64, label string) *Square { return &Square{Rect{s, s}, label} }

func (s *Square) Rename(l string) { s.label = l }

type Account struct {
	owner   string
	balance int
	history []string
}

var ErrInsufficient = errors.New("insufficient funds")

type TxError struct {
	Op     string
	Amount int
	Err    error
}

func (e *TxError) Error() string { return fmt.Sprintf("%s %d: %v", e.Op, e.Amount, e.Err) }
func (e *TxError) Unwrap() error { return e.Err }

func (a *Account) Withdraw(n int) error {
	if n > a.balance {
		return &TxError{"withdraw", n, ErrInsufficient}
	}
	a.balance -= n
	a.history = append(a.history, fmt.Sprint("-", n))
	return nil
}

func (a *Account) Deposit(n int) {
	a.balance += n
	a.history = append(a.history, fmt.Sprint("+", n))
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case int, int64:
		return fmt.Sprintf("integer %v", x)
	case string:
		return "string " + strings.ToUpper(x)
	case Shape:
		return fmt.Sprintf("shape with area %.1f", x.Area())
	case error:
		return "error " + x.Error()
	case []int:
		return fmt.Sprint("ints ", len(x))
	default:
		return fmt.Sprintf("other %T", x)
	}
}

func counter() (func() int, func()) {
	n := 0
	return func() int { n++; return n }, func() { n = 0 }
}

func main() {
	shapes := []Shape{Rect{3, 4}, NewSquare(2, "sq"), Rect{1, 1}}
	sort.Slice(shapes, func(i, j int) bool { return shapes[i].Area() < shapes[j].Area() })
	for _, s := range shapes {
		fmt.Printf("%.1f %.1f\n", s.Area(), s.Perimeter())
	}
	fmt.Println(Rect{2, 5})
	sq := NewSquare(3, "a")
	sq.Rename("b")
	fmt.Println(sq.label, sq.W, sq.Area())

	acct := &Account{owner: "ann"}
	acct.Deposit(100)
	err := acct.Withdraw(30)
	fmt.Println(err, acct.balance)
	err = acct.Withdraw(500)
	var txErr *TxError
	fmt.Println(err)
	fmt.Println(errors.Is(err, ErrInsufficient), errors.As(err, &txErr), txErr.Amount)
	fmt.Println(strings.Join(acct.history, " "))

	for _, v := range []any{nil, 42, "go", Rect{1, 2}, errors.New("bad"), []int{1, 2}, 3.5} {
		fmt.Println(describe(v))
	}

	next, reset := counter()
	next()
	next()
	fmt.Println(next())
	reset()
	fmt.Println(next())

	var sh Shape = Rect{2, 2}
	if r, ok := sh.(Rect); ok {
		fmt.Println("a rect of width", r.W)
	}
	_, isSq := sh.(*Square)
	fmt.Println("square?", isSq)
}
