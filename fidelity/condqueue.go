//go:build ignore

// A generic queue on sync.Cond, a cache behind an embedded RWMutex, sync.Map
// and sync.Pool.
package main

import (
	"fmt"
	"sort"
	"sync"
)

type Queue[T any] struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []T
	closed bool
}

func NewQueue[T any]() *Queue[T] {
	q := &Queue[T]{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue[T]) Put(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *Queue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *Queue[T]) Get() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	var zero T
	if len(q.items) == 0 {
		return zero, false
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, true
}

type cache struct {
	sync.RWMutex
	m map[string]int
}

func (c *cache) get(k string) (int, bool) {
	c.RLock()
	defer c.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *cache) set(k string, v int) {
	c.Lock()
	c.m[k] = v
	c.Unlock()
}

func main() {
	q := NewQueue[int]()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []int
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, ok := q.Get()
				if !ok {
					return
				}
				mu.Lock()
				got = append(got, v)
				mu.Unlock()
			}
		}()
	}
	for i := range 10 {
		q.Put(i * i)
	}
	q.Close()
	wg.Wait()
	sort.Ints(got)
	fmt.Println(got)
	c := &cache{m: map[string]int{}}
	for i := range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); c.set(fmt.Sprint("k", i), i) }()
	}
	wg.Wait()
	v, ok := c.get("k3")
	fmt.Println(v, ok, len(c.m))
	var sm sync.Map
	sm.Store("a", 1)
	sm.Store("b", 2)
	act, loaded := sm.LoadOrStore("a", 9)
	fmt.Println(act, loaded)
	n := 0
	sm.Range(func(k, v any) bool { n += v.(int); return true })
	fmt.Println(n)
	pool := sync.Pool{New: func() any { return new([64]byte) }}
	buf := pool.Get().(*[64]byte)
	buf[0] = 7
	pool.Put(buf)
	fmt.Println(len(buf))
}
