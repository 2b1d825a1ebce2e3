package worker

import (
	"testing"
	"time"
)

func TestSelectOpsCasesArePerCall(t *testing.T) {
	var o selectOps
	c := make(chan int, 1)
	var got int
	var ok bool
	if i := o.selectIndex(&ok, o.send(c, []float64{3})); i != 0 {
		t.Fatalf("send: case %d, want 0", i)
	}
	if i := o.selectIndex(&ok, o.recv(c, &got)); i != 0 || got != 3 || !ok {
		t.Fatalf("recv: case %d, value %d, ok %v; want 0, 3, true", i, got, ok)
	}
	close(c)
	got = 9
	if i := o.selectIndex(&ok, o.recv(c, &got)); i != 0 || got != 0 || ok {
		t.Fatalf("recv on closed: case %d, value %d, ok %v; want 0, 0, false", i, got, ok)
	}
	var nilc chan int
	if i := o.selectIndex(nil, o.recv(nilc, nil), o.dflt()); i != 1 {
		t.Fatalf("nil channel with default: case %d, want 1", i)
	}
}

func TestSelectOpsInterruptWakesBlocked(t *testing.T) {
	var o selectOps
	block := make(chan int)
	res := make(chan int, 2)
	for range 2 {
		go func() { res <- o.selectIndex(nil, o.recv(block, nil), o.send(make(chan int), []int{1})) }()
	}
	time.Sleep(50 * time.Millisecond)
	o.interrupted()
	for range 2 {
		select {
		case i := <-res:
			if i != -1 {
				t.Fatalf("woken select returned case %d, want -1", i)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("interrupted did not wake a blocked select")
		}
	}
	// A select after the interrupt blocks again until its channel is ready.
	go func() { block <- 5 }()
	var v int
	if i := o.selectIndex(nil, o.recv(block, &v)); i != 0 || v != 5 {
		t.Fatalf("after interrupt: case %d, value %d; want 0, 5", i, v)
	}
}
