package labelcache

import (
	"sync"
	"testing"
)

// A child is made once per key until dropped, then made again; keys do not
// share children; concurrent Gets of one key make it once.
func TestCacheMakesOncePerKey(t *testing.T) {
	var c Cache[int, *int]
	made := 0
	make := func() *int { made++; v := made; return &v }
	a, b := c.Get(1, make), c.Get(2, make)
	if a == b || made != 2 {
		t.Fatalf("two keys: %d made, the same child %v", made, a == b)
	}
	if again := c.Get(1, make); again != a || made != 2 {
		t.Fatalf("key 1 again: made %d, same child %v; want the kept one", made, again == a)
	}
	c.Drop(1)
	if fresh := c.Get(1, make); fresh == a || made != 3 {
		t.Fatalf("key 1 after Drop: made %d, same child %v; want a new one", made, fresh == a)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Get(3, make) })
	}
	wg.Wait()
	if made != 4 {
		t.Fatalf("8 concurrent Gets of a new key made %d children, want 1", made-3)
	}
}
