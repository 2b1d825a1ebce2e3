//go:build ignore

// select: readiness, default, timeouts, break and continue from cases.
package main

import (
	"fmt"
	"time"
)

func main() {
	a, b := make(chan string, 1), make(chan string, 1)
	a <- "from a"
	select {
	case m := <-a:
		fmt.Println(m)
	case m := <-b:
		fmt.Println(m)
	}

	select {
	case m := <-b:
		fmt.Println(m)
	default:
		fmt.Println("nothing ready")
	}

	slow := make(chan int)
	select {
	case <-slow:
		fmt.Println("no")
	case <-time.After(20 * time.Millisecond):
		fmt.Println("timed out")
	}

	// Draining with break out of the loop from a case.
	data := make(chan int, 5)
	for i := range 5 {
		data <- i * i
	}
	close(data)
	total := 0
loop:
	for {
		select {
		case v, ok := <-data:
			if !ok {
				break loop
			}
			if v == 4 {
				continue
			}
			total += v
		}
	}
	fmt.Println("total without 4:", total)

	// break leaves only the select.
	count := 0
	for i := 0; i < 3; i++ {
		select {
		default:
			count++
			if i == 1 {
				break
			}
			count += 10
		}
		count += 100
	}
	fmt.Println("count:", count)

	// A quit channel.
	quit := make(chan struct{})
	ticks := make(chan int)
	go func() {
		for i := 1; ; i++ {
			select {
			case ticks <- i:
			case <-quit:
				close(ticks)
				return
			}
		}
	}()
	got := []int{<-ticks, <-ticks, <-ticks}
	close(quit)
	for range ticks {
	}
	fmt.Println("got", got)
}
