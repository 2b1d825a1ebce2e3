//go:build ignore

// Transfers between accounts that lock in a fixed order, with wrapped
// errors.
package main

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

var ErrFunds = errors.New("insufficient funds")

type Account struct {
	mu      sync.Mutex
	id      int
	balance int
}

type Bank struct {
	accounts map[int]*Account
	log      chan string
}

func NewBank(n, initial int) *Bank {
	b := &Bank{accounts: map[int]*Account{}, log: make(chan string, 100)}
	for i := 0; i < n; i++ {
		b.accounts[i] = &Account{id: i, balance: initial}
	}
	return b
}

func (b *Bank) Transfer(from, to, amount int) error {
	a, c := b.accounts[from], b.accounts[to]
	first, second := a, c
	if a.id > c.id {
		first, second = c, a
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	if a.balance < amount {
		return fmt.Errorf("transfer %d->%d: %w", from, to, ErrFunds)
	}
	a.balance -= amount
	c.balance += amount
	return nil
}

func (b *Bank) Total() int {
	t := 0
	for _, a := range b.accounts {
		a.mu.Lock()
		t += a.balance
		a.mu.Unlock()
	}
	return t
}

func main() {
	bank := NewBank(4, 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := bank.Transfer(i%4, (i+1)%4, 30); errors.Is(err, ErrFunds) {
				mu.Lock()
				failures++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	fmt.Println("total", bank.Total())
	err := bank.Transfer(0, 1, 1000)
	fmt.Println(err)
	var ids []int
	for id := range bank.accounts {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	fmt.Println(ids, failures >= 0)
}
