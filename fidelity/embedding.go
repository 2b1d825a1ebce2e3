//go:build ignore

// Embedded mutex and pointer, interfaces that embed interfaces, method
// values and method expressions.
package main

import (
	"fmt"
	"sync"
)

type Logger struct {
	prefix string
	lines  []string
}

func (l *Logger) Log(s string) { l.lines = append(l.lines, l.prefix+s) }

type Counter struct {
	sync.Mutex
	*Logger
	n int
}

func (c *Counter) Inc() {
	c.Lock()
	defer c.Unlock()
	c.n++
	c.Log(fmt.Sprint("inc ", c.n))
}

type Named interface {
	Name() string
}

type Greeter interface {
	Named
	Greet() string
}

type person struct{ name string }

func (p person) Name() string  { return p.name }
func (p person) Greet() string { return "hi " + p.name }

func describe(g Greeter) string { return g.Name() + ": " + g.Greet() }

func main() {
	c := &Counter{Logger: &Logger{prefix: "> "}}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Inc() }()
	}
	wg.Wait()
	fmt.Println(c.n, len(c.lines), c.prefix)
	fmt.Println(describe(person{"ann"}))
	var n Named = person{"bo"}
	if g, ok := n.(Greeter); ok {
		fmt.Println(g.Greet())
	}
	f := c.Inc
	f()
	fmt.Println(c.n)
	m := (*Counter).Inc
	m(c)
	fmt.Println(c.n, c.lines[len(c.lines)-1])
}
