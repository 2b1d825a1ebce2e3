//go:build ignore

// Context deadlines, values with a key type, cancellation of a tree and
// cancel causes.
//
// Interpreted cells stop with an error: a type assertion to string where a key type has string's underlying type.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

type key string

const reqID key = "req"

type result struct {
	worker int
	err    error
}

func worker(ctx context.Context, id int, out chan<- result) {
	select {
	case <-time.After(time.Duration(id*100) * time.Millisecond):
		out <- result{id, nil}
	case <-ctx.Done():
		out <- result{id, ctx.Err()}
	}
}

func fetch(ctx context.Context) string {
	if v, ok := ctx.Value(reqID).(string); ok {
		return "request " + v
	}
	return "no request"
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	out := make(chan result, 5)
	for i := 1; i <= 5; i++ {
		go worker(ctx, i, out)
	}
	done, timedOut := 0, 0
	for range 5 {
		r := <-out
		if errors.Is(r.err, context.DeadlineExceeded) {
			timedOut++
		} else {
			done++
		}
	}
	fmt.Println("done", done, "timed out", timedOut)
	vctx := context.WithValue(context.Background(), reqID, "42")
	fmt.Println(fetch(vctx), fetch(context.Background()))
	var s string = "req"
	fmt.Println(vctx.Value(s) == nil, vctx.Value(key("req")))
	parent, pcancel := context.WithCancel(context.Background())
	child, ccancel := context.WithCancel(parent)
	defer ccancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-child.Done()
		fmt.Println("child:", child.Err(), context.Cause(child))
	}()
	pcancel()
	wg.Wait()
	cctx, ccause := context.WithCancelCause(context.Background())
	ccause(errors.New("shutdown"))
	fmt.Println(cctx.Err(), context.Cause(cctx))
}
