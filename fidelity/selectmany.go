//go:build ignore

// select with many cases and default: nonblocking sends and receives,
// zero-size element channels, closed channels, len and cap.
package main

import (
	"fmt"
	"sort"
)

type signal struct{}

func trySend(ch chan<- int, v int) bool {
	select {
	case ch <- v:
		return true
	default:
		return false
	}
}

func tryRecv(ch <-chan int) (int, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return -1, false
	}
}

func main() {
	ch := make(chan int, 3)
	for i := 0; i < 5; i++ {
		fmt.Println("send", i, trySend(ch, i*10), len(ch), cap(ch))
	}
	for i := 0; i < 4; i++ {
		v, ok := tryRecv(ch)
		fmt.Println("recv", v, ok)
	}

	done := make(chan signal)
	ready := make(chan struct{}, 2)
	ready <- signal{}
	ready <- struct{}{}
	fmt.Println("ready", len(ready), cap(ready))
	close(ready)
	n := 0
	for range ready {
		n++
	}
	fmt.Println("drained", n)
	close(done)
	v, ok := <-done
	fmt.Printf("%v %v\n", v, ok)

	c1, c2, c3, c4 := make(chan int, 1), make(chan string, 1), make(chan float64, 1), make(chan bool, 1)
	c1 <- 1
	c2 <- "two"
	c3 <- 3.5
	c4 <- true
	var got []string
	for len(got) < 4 {
		select {
		case x := <-c1:
			got = append(got, fmt.Sprint("int ", x))
		case x := <-c2:
			got = append(got, "string "+x)
		case x := <-c3:
			got = append(got, fmt.Sprintf("float %.1f", x))
		case x, ok := <-c4:
			got = append(got, fmt.Sprint("bool ", x, ok))
		}
	}
	sort.Strings(got)
	fmt.Println(got)

	closed := make(chan int, 2)
	closed <- 7
	close(closed)
	for i := 0; i < 3; i++ {
		x, ok := <-closed
		fmt.Println("closed:", x, ok, len(closed))
	}
	var nilch chan int
	fmt.Println(len(nilch), cap(nilch), nilch == nil)
	select {
	case nilch <- 1:
		fmt.Println("impossible")
	case <-nilch:
		fmt.Println("impossible")
	default:
		fmt.Println("nil channels never ready")
	}
	defer func() { fmt.Println("recovered:", recover()) }()
	close(closed)
}
