//go:build ignore

// sync/atomic: typed values, functions, CompareAndSwap spin.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	var hits atomic.Int64
	var old int32
	var flag atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hits.Add(2)
			atomic.AddInt32(&old, 1)
			if i == 7 {
				flag.Store(true)
			}
		}()
	}
	wg.Wait()
	fmt.Println(hits.Load(), atomic.LoadInt32(&old), flag.Load())

	// A lock-free maximum with CompareAndSwap.
	var best atomic.Int64
	var wg2 sync.WaitGroup
	for _, v := range []int64{5, 17, 3, 42, 8, 41} {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for {
				cur := best.Load()
				if v <= cur || best.CompareAndSwap(cur, v) {
					return
				}
			}
		}()
	}
	wg2.Wait()
	fmt.Println("max:", best.Load())

	var u atomic.Uint32
	u.Store(10)
	fmt.Println(u.Swap(20), u.Load(), u.CompareAndSwap(20, 30), u.Load())

	var v atomic.Value
	v.Store([]string{"a", "b"})
	fmt.Println(v.Load().([]string))

	var p atomic.Pointer[string]
	s := "shared"
	fmt.Println(p.Load() == nil)
	p.Store(&s)
	fmt.Println(*p.Load())
}
