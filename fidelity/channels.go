//go:build ignore

// Channels: unbuffered hand-off, buffering, close and range, comma-ok,
// directional types, nil channels.
package main

import "fmt"

func produce(n int, out chan<- int) {
	for i := 1; i <= n; i++ {
		out <- i
	}
	close(out)
}

func receiveOne(c <-chan string) string { return <-c }

type result struct {
	id  int
	val string
}

func main() {
	ch := make(chan int)
	go produce(5, ch)
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("sum:", sum)

	buf := make(chan string, 3)
	buf <- "a"
	buf <- "b"
	fmt.Println(len(buf), cap(buf))
	fmt.Println(receiveOne(buf), <-buf)
	close(buf)
	v, ok := <-buf
	fmt.Printf("%q %v\n", v, ok)

	// Results stored from a channel into a slice and a struct.
	rc := make(chan result, 4)
	for i := 0; i < 4; i++ {
		go func() { rc <- result{i, fmt.Sprint("r", i)} }()
	}
	got := make([]string, 4)
	for range 4 {
		r := <-rc
		got[r.id] = r.val
	}
	fmt.Println(got)

	var last result
	done := make(chan result, 1)
	done <- result{9, "nine"}
	last = <-done
	fmt.Println(last.id, last.val)

	slots := make([]int, 2)
	nums := make(chan int, 2)
	nums <- 10
	nums <- 20
	slots[0] = <-nums
	slots[1] = <-nums
	fmt.Println(slots)

	// A nil channel is never ready.
	var never chan int
	select {
	case <-never:
		fmt.Println("impossible")
	default:
		fmt.Println("nil channel blocks")
	}

	// Ping-pong.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for n := range ping {
			pong <- n + 1
		}
		close(pong)
	}()
	n := 0
	for i := 0; i < 5; i++ {
		ping <- n
		n = <-pong
	}
	close(ping)
	_, open := <-pong
	fmt.Println("ping-pong:", n, open)
}
