//go:build ignore

// runtime.NumGoroutine as goroutines start and end, flags and os.Args of
// a program run without arguments, GOMAXPROCS.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
)

var workers = flag.Int("workers", 3, "goroutines to start")

func main() {
	flag.Parse()
	fmt.Println("start", runtime.NumGoroutine(), *workers, len(os.Args), flag.NArg())
	release := make(chan struct{})
	var started sync.WaitGroup
	for range *workers {
		started.Add(1)
		go func() {
			started.Done()
			<-release
		}()
	}
	started.Wait()
	fmt.Println("waiting", runtime.NumGoroutine())
	close(release)
	for runtime.NumGoroutine() > 1 {
		runtime.Gosched()
	}
	fmt.Println("after", runtime.NumGoroutine())
	fmt.Println(runtime.GOMAXPROCS(0) == runtime.NumCPU() || runtime.GOMAXPROCS(0) >= 1)
}
