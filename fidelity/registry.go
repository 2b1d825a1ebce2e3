//go:build ignore

// An account type whose methods come after the variables and functions
// that use it, and a slice type whose methods come one by one.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

type account struct {
	name    string
	balance int
	mu      sync.Mutex
}

var registry = map[string]*account{}

var order []string

const opening = 10

func open(name string) *account {
	a := &account{name: name, balance: opening}
	registry[name] = a
	order = append(order, name)
	return a
}

func total() int {
	sum := 0
	for _, a := range registry {
		sum += a.balance
	}
	return sum
}

func (a *account) deposit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance += n
}

func (a *account) String() string { return fmt.Sprintf("%s:%d", a.name, a.balance) }

type ledger []*account

func (l ledger) Len() int           { return len(l) }
func (l ledger) Less(i, j int) bool { return l[i].balance > l[j].balance }
func (l ledger) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }

func (l ledger) String() string {
	var parts []string
	for _, a := range l {
		parts = append(parts, a.String())
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func main() {
	alice := open("alice")
	bob := open("bob")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(2)
		go func() { defer wg.Done(); alice.deposit(i % 3) }()
		go func() { defer wg.Done(); bob.deposit(2) }()
	}
	wg.Wait()
	fmt.Println(alice, bob, total())
	var l ledger
	for _, name := range order {
		l = append(l, registry[name])
	}
	sort.Slice(l, l.Less)
	fmt.Println(l, l.Len())
	fmt.Printf("%v %d\n", registry["bob"], len(registry))
	fmt.Println(l.String())
}
