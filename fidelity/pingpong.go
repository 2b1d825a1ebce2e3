//go:build ignore

// Two goroutines passing a ball, a ticker against a timeout, and
// runtime.Gosched.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

type Ball struct{ hits int }

func player(name string, table chan *Ball, done chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case ball := <-table:
			ball.hits++
			if ball.hits >= 10 {
				close(done)
				return
			}
			table <- ball
		case <-done:
			return
		}
	}
}

func main() {
	table := make(chan *Ball)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go player("ping", table, done, &wg)
	go player("pong", table, done, &wg)
	ball := new(Ball)
	table <- ball
	wg.Wait()
	fmt.Println("hits:", ball.hits)
	timeout := time.After(50 * time.Millisecond)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	ticks := 0
loop:
	for {
		select {
		case <-tick.C:
			ticks++
		case <-timeout:
			break loop
		}
	}
	fmt.Println(ticks >= 3)
	results := make(chan int, 3)
	for i := range 3 {
		go func() { runtime.Gosched(); results <- i * i }()
	}
	sum := 0
	for range 3 {
		sum += <-results
	}
	fmt.Println("sum", sum)
}
