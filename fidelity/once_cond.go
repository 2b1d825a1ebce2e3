//go:build ignore

// sync.Once, OnceFunc/OnceValue/OnceValues and a Cond-based queue.
package main

import (
	"errors"
	"fmt"
	"sync"
)

type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
	done  bool
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) push(v int) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *queue) close() {
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) pop() (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.done {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return 0, false
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, true
}

func main() {
	var once sync.Once
	var wg sync.WaitGroup
	inits := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { inits++ })
		}()
	}
	wg.Wait()
	fmt.Println("initialised", inits, "time(s)")

	calls := 0
	config := sync.OnceValue(func() map[string]int {
		calls++
		return map[string]int{"workers": 4}
	})
	fmt.Println(config()["workers"], config()["workers"], "calls:", calls)

	load := sync.OnceValues(func() (string, error) {
		calls++
		return "", errors.New("no such file")
	})
	_, err1 := load()
	_, err2 := load()
	fmt.Println(err1, err1 == err2, "calls:", calls)

	hello := sync.OnceFunc(func() { fmt.Println("hello once") })
	hello()
	hello()

	q := newQueue()
	sum := make(chan int)
	go func() {
		total := 0
		for {
			v, ok := q.pop()
			if !ok {
				break
			}
			total += v
		}
		sum <- total
	}()
	for i := 1; i <= 100; i++ {
		q.push(i)
	}
	q.close()
	fmt.Println("cond queue sum:", <-sum)
}
