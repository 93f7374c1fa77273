package server

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(10, 5, nil)
	now := time.Unix(1000, 0)
	n := 0
	for range 20 {
		if ok, _ := l.take("a", now); ok {
			n++
		}
	}
	if n != 5 {
		t.Errorf("a burst of 5 let %d through", n)
	}
	if ok, wait := l.take("a", now); ok || wait != 100*time.Millisecond {
		t.Errorf("over the limit: ok %v, wait %v", ok, wait)
	}
	if ok, _ := l.take("b", now); !ok {
		t.Errorf("another tenant was limited")
	}
	if ok, _ := l.take("a", now.Add(100*time.Millisecond)); !ok {
		t.Errorf("a token after 100ms at 10/s was not there")
	}
}
