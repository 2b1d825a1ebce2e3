//go:build ignore

// Bounding concurrency with a buffered channel as a semaphore, and
// sync.Map and sync.Pool.
package main

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	sem := make(chan struct{}, 3)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	results := make([]int, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			results[i] = i * 2
			running.Add(-1)
		}()
	}
	wg.Wait()
	fmt.Println(results, "peak within bound:", peak.Load() <= 3, "peak > 0:", peak.Load() > 0)

	var m sync.Map
	var wg2 sync.WaitGroup
	for i := range 5 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			m.Store(fmt.Sprint("k", i), i*i)
		}()
	}
	wg2.Wait()
	v, ok := m.Load("k3")
	fmt.Println(v, ok)
	actual, loaded := m.LoadOrStore("k3", 100)
	fmt.Println(actual, loaded)
	var keys []string
	m.Range(func(k, v any) bool {
		keys = append(keys, k.(string))
		return true
	})
	sort.Strings(keys)
	fmt.Println(keys)

	pool := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	buf := pool.Get().(*bytes.Buffer)
	buf.WriteString("pooled")
	fmt.Println(buf.String())
	buf.Reset()
	pool.Put(buf)
}
