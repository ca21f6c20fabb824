package labelcache

import "sync"

// Cache holds one child (M: a prometheus.Gauge, a Counter) per key.
type Cache[K comparable, M any] struct {
	mu sync.Mutex
	m  map[K]M
}

// Get returns key's child, made by make the first time it is asked for.
func (c *Cache[K, M]) Get(key K, make func() M) M {
	c.mu.Lock()
	defer c.mu.Unlock()
	child, ok := c.m[key]
	if !ok {
		if c.m == nil {
			c.m = map[K]M{}
		}
		child = make()
		c.m[key] = child
	}
	return child
}

// Drop forgets key's child: the next Get makes it again.
func (c *Cache[K, M]) Drop(key K) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}
