//go:build ignore

// Timers and tickers: Stop, Reset, AfterFunc, a ticker stopped after a
// number of ticks.
package main

import (
	"fmt"
	"time"
)

func main() {
	t := time.NewTimer(time.Hour)
	fmt.Println("stopped before firing:", t.Stop())

	t2 := time.NewTimer(5 * time.Millisecond)
	<-t2.C
	fmt.Println("fired; stop after firing:", t2.Stop())
	t2.Reset(5 * time.Millisecond)
	<-t2.C
	fmt.Println("fired again after Reset")

	done := make(chan string)
	time.AfterFunc(5*time.Millisecond, func() { done <- "after func" })
	fmt.Println(<-done)

	tk := time.NewTicker(2 * time.Millisecond)
	n := 0
	for range tk.C {
		n++
		if n == 3 {
			tk.Stop()
			break
		}
	}
	fmt.Println("ticks:", n)

	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	el := time.Since(start)
	fmt.Println("slept at least 20ms:", el >= 20*time.Millisecond)

	d := 1500 * time.Millisecond
	fmt.Println(d, d.Seconds(), d.Round(time.Second), time.Duration(90)*time.Second)

	deadline := time.After(30 * time.Millisecond)
	beats := 0
	tick := time.Tick(5 * time.Millisecond)
wait:
	for {
		select {
		case <-deadline:
			break wait
		case <-tick:
			beats++
		}
	}
	fmt.Println("some beats before the deadline:", beats > 0)
}
