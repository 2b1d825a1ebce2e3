//go:build ignore

// A worker pool: jobs in, results out, results ordered by job.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

type job struct {
	id   int
	text string
}

type result struct {
	id    int
	words int
	upper string
	by    int
}

func work(j job) result {
	return result{id: j.id, words: len(strings.Fields(j.text)), upper: strings.ToUpper(j.text)}
}

func main() {
	texts := []string{
		"the quick brown fox",
		"jumps over",
		"the lazy dog",
		"goroutines are cheap",
		"channels connect them",
		"share memory by communicating",
	}
	jobs := make(chan job)
	results := make(chan result)
	const workers = 3
	var wg sync.WaitGroup
	for w := 1; w <= workers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for j := range jobs {
				r := work(j)
				r.by = id
				results <- r
			}
		}(w)
	}
	go func() {
		for i, t := range texts {
			jobs <- job{i, t}
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var all []result
	perWorker := map[int]int{}
	for r := range results {
		all = append(all, r)
		perWorker[r.by]++
	}
	sort.Slice(all, func(a, b int) bool { return all[a].id < all[b].id })
	total := 0
	for _, r := range all {
		fmt.Printf("%d %-30s %d\n", r.id, r.upper, r.words)
		total += r.words
	}
	jobsDone := 0
	for _, n := range perWorker {
		jobsDone += n
	}
	fmt.Println("words:", total, "jobs:", jobsDone, "workers used <= 3:", len(perWorker) <= workers)
}
