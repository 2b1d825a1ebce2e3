//go:build ignore

// A tree with pointer methods, tags and encoding/json, variadic functions,
// defer changing results, recover, sync.Once with WaitGroup.Go, goto.
//
// Interpreted cells stop with an error: encoding/json with a struct with unexported fields.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

type ID = int

type Handler func(string) string

type node struct {
	val   int
	left  *node
	right *node
}

func (n *node) insert(v int) *node {
	if n == nil {
		return &node{val: v}
	}
	if v < n.val {
		n.left = n.left.insert(v)
	} else {
		n.right = n.right.insert(v)
	}
	return n
}

func (n *node) walk(f func(int)) {
	if n == nil {
		return
	}
	n.left.walk(f)
	f(n.val)
	n.right.walk(f)
}

type Item struct {
	Name  string `json:"name"`
	Price int    `json:"price,omitempty"`
	note  string
}

type shape interface {
	area() int
}

type sq struct{ s int }

func (q sq) area() int { return q.s * q.s }

func sum(nums ...int) (total int) {
	defer func() { total *= 2 }()
	for _, n := range nums {
		total += n
	}
	return
}

func safeDiv(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

var hits atomic.Int32
var once sync.Once

func setup() { hits.Add(1) }

func main() {
	var root *node
	for _, v := range []int{5, 3, 8, 1, 4} {
		root = root.insert(v)
	}
	var out []string
	root.walk(func(v int) { out = append(out, fmt.Sprint(v)) })
	fmt.Println(strings.Join(out, " "))
	var h Handler = strings.ToUpper
	fmt.Println(h("go"))
	var id ID = 7
	fmt.Printf("%T %v\n", id, id)
	b, _ := json.Marshal([]Item{{Name: "pen", Price: 2, note: "x"}, {Name: "cap"}})
	fmt.Println(string(b))
	var it Item
	json.Unmarshal([]byte(`{"name":"ink","price":9}`), &it)
	fmt.Printf("%+v\n", it)
	shapes := []shape{sq{2}, sq{3}}
	tot := 0
	for _, s := range shapes {
		tot += s.area()
	}
	fmt.Println(tot, sum(1, 2, 3), sum([]int{4, 5}...))
	fmt.Println(safeDiv(7, 2))
	fmt.Println(safeDiv(1, 0))
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { once.Do(setup) })
	}
	wg.Wait()
	fmt.Println("hits", hits.Load())
	fmt.Fprintln(os.Stderr, "to stderr")
	if len(os.Args) > 5 {
		goto end
	}
	fmt.Println("before end")
end:
	fmt.Println("end")
}
