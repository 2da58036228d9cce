package analyze

import "sync"

// memo caches a pure function's answers, bounded and safe for the decode
// workers that compute facts at once: a capture repeats the same few
// values (an Authorization header, an API, a refusal body) thousands of
// times. When full it starts over rather than tracking what is old.
type memo[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]V
	max int
}

func newMemo[K comparable, V any](max int) *memo[K, V] {
	return &memo[K, V]{m: map[K]V{}, max: max}
}

func (c *memo[K, V]) lookup(k K) (V, bool) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	return v, ok
}

func (c *memo[K, V]) store(k K, v V) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = v
	c.mu.Unlock()
}
