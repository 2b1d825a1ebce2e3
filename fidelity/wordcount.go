//go:build ignore

// Map-reduce word count: goroutines count chunks, a reducer merges, the
// result is sorted by count then word.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
)

const text = `It was the best of times, it was the worst of times, it was the age
of wisdom, it was the age of foolishness, it was the epoch of belief, it
was the epoch of incredulity, it was the season of Light, it was the season
of Darkness, it was the spring of hope, it was the winter of despair.`

type wordCount struct {
	word  string
	count int
}

func count(lines []string) map[string]int {
	m := map[string]int{}
	for _, l := range lines {
		for _, w := range strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) }) {
			m[strings.ToLower(w)]++
		}
	}
	return m
}

func main() {
	lines := strings.Split(text, "\n")
	partials := make(chan map[string]int)
	var wg sync.WaitGroup
	for i := 0; i < len(lines); i += 2 {
		end := min(i+2, len(lines))
		wg.Add(1)
		go func(part []string) {
			defer wg.Done()
			partials <- count(part)
		}(lines[i:end])
	}
	go func() {
		wg.Wait()
		close(partials)
	}()
	total := map[string]int{}
	for p := range partials {
		for w, n := range p {
			total[w] += n
		}
	}
	var counts []wordCount
	for w, n := range total {
		counts = append(counts, wordCount{w, n})
	}
	sort.Slice(counts, func(i, j int) bool {
		if counts[i].count != counts[j].count {
			return counts[i].count > counts[j].count
		}
		return counts[i].word < counts[j].word
	})
	for _, c := range counts[:8] {
		fmt.Printf("%-8s %d\n", c.word, c.count)
	}
	fmt.Println("distinct:", len(counts))
}
