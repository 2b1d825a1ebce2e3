//go:build ignore

// An errgroup-style pattern with the standard library only: run tasks
// concurrently, keep the first error, cancel the others.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

type group struct {
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
}

func withContext(ctx context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, ctx
}

func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				if g.cancel != nil {
					g.cancel()
				}
			})
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		g.cancel()
	}
	return g.err
}

var errBad = errors.New("bad input")

func fetch(ctx context.Context, name string) (string, error) {
	if name == "bad" {
		return "", fmt.Errorf("fetch %s: %w", name, errBad)
	}
	select {
	case <-time.After(time.Duration(len(name)) * 3 * time.Millisecond):
		return "<" + name + ">", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func main() {
	g, ctx := withContext(context.Background())
	names := []string{"alpha", "beta", "gamma"}
	pages := make([]string, len(names))
	for i, n := range names {
		g.Go(func() error {
			p, err := fetch(ctx, n)
			pages[i] = p
			return err
		})
	}
	fmt.Println(g.Wait(), pages)

	g2, ctx2 := withContext(context.Background())
	var mu sync.Mutex
	var cancelled []string
	for _, n := range []string{"bad", "slooooooooooooooooooooooooooooooooooow", "verrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrry-slow"} {
		g2.Go(func() error {
			_, err := fetch(ctx2, n)
			if errors.Is(err, context.Canceled) {
				mu.Lock()
				cancelled = append(cancelled, n[:4])
				mu.Unlock()
			}
			return err
		})
	}
	err := g2.Wait()
	sort.Strings(cancelled)
	fmt.Println(err, errors.Is(err, errBad), cancelled)

	joined := errors.Join(errors.New("first"), nil, errors.New("second"))
	fmt.Println(joined)
	fmt.Println(errors.Is(joined, errBad), errors.Is(errors.Join(err, joined), errBad))
}
