//go:build ignore

// Declarations that refer to names declared further down, as programs
// are often written: a method calling a later method, a function calling
// a later function, a type with a field of a later type, a variable
// initialised by a later function, and two functions calling each other.
// Split into one cell per declaration, the cells wait for what they
// refer to.
package main

import (
	"fmt"
	"sort"
	"sync"
)

// Scheduler hands jobs to workers and collects their results.
type Scheduler struct {
	mu      sync.Mutex
	queue   []Job
	results map[int]Result
}

func NewScheduler(jobs int) *Scheduler {
	s := &Scheduler{results: map[int]Result{}}
	for i := 1; i <= jobs; i++ {
		s.queue = append(s.queue, Job{ID: i, Size: sizeOf(i)})
	}
	return s
}

func (s *Scheduler) Run(workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				job, ok := s.next()
				if !ok {
					return
				}
				s.record(job.ID, work(w, job))
			}
		}()
	}
	wg.Wait()
}

func (s *Scheduler) next() (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Job{}, false
	}
	j := s.queue[0]
	s.queue = s.queue[1:]
	return j, true
}

func (s *Scheduler) record(id int, r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[id] = r
}

type Job struct {
	ID, Size int
}

type Result struct {
	Sum  int
	Even bool
}

var defaultJobs = jobCount()

func jobCount() int { return 6 }

func work(worker int, j Job) Result {
	sum := 0
	for i := 1; i <= j.Size; i++ {
		sum += i
	}
	return Result{Sum: sum, Even: isEven(sum)}
}

func sizeOf(i int) int { return i * 10 }

func isEven(n int) bool {
	if n == 0 {
		return true
	}
	return isOdd(n - 1)
}

func isOdd(n int) bool {
	if n == 0 {
		return false
	}
	return isEven(n - 1)
}

func main() {
	s := NewScheduler(defaultJobs)
	s.Run(3)
	ids := make([]int, 0, len(s.results))
	for id := range s.results {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		fmt.Printf("job %d: %+v\n", id, s.results[id])
	}
}
