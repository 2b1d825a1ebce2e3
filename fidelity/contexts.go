//go:build ignore

// context: cancellation, timeouts, values, causes, AfterFunc.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

type key string

func worker(ctx context.Context, id int, out chan<- string) {
	n := 0
	for {
		select {
		case <-ctx.Done():
			out <- fmt.Sprintf("worker %d stopped: %v", id, ctx.Err())
			return
		default:
			n++
			time.Sleep(time.Millisecond)
		}
	}
}

func slowOp(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan string, 2)
	for i := 1; i <= 2; i++ {
		go worker(ctx, i, out)
	}
	time.Sleep(10 * time.Millisecond)
	cancel()
	msgs := []string{<-out, <-out}
	if msgs[0] > msgs[1] {
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	fmt.Println(msgs[0])
	fmt.Println(msgs[1])

	tctx, tcancel := context.WithTimeout(context.Background(), 15*time.Millisecond)
	defer tcancel()
	err := slowOp(tctx, time.Second)
	fmt.Println("slow:", err, errors.Is(err, context.DeadlineExceeded))
	fmt.Println("fast:", slowOp(context.Background(), time.Millisecond))

	vctx := context.WithValue(context.Background(), key("user"), "gopher")
	child, ccancel := context.WithCancel(vctx)
	fmt.Println("value:", child.Value(key("user")), child.Value(key("none")))
	ccancel()
	<-child.Done()
	fmt.Println("child:", child.Err(), "parent:", vctx.Err())

	cause := errors.New("shutting down")
	cctx, ccause := context.WithCancelCause(context.Background())
	ccause(cause)
	fmt.Println(cctx.Err(), context.Cause(cctx))

	actx, acancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	context.AfterFunc(actx, func() {
		fmt.Println("after func ran")
		wg.Done()
	})
	acancel()
	wg.Wait()

	// Cancellation reaches every goroutine below.
	root, stop := context.WithCancel(context.Background())
	var wg2 sync.WaitGroup
	stopped := make([]bool, 3)
	for i := range 3 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			sub, subCancel := context.WithCancel(root)
			defer subCancel()
			<-sub.Done()
			stopped[i] = true
		}()
	}
	stop()
	wg2.Wait()
	fmt.Println("stopped:", stopped)
}
