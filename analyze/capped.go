package analyze

// capped is a map of at most max entries: adding one more forgets the
// oldest added. It bounds an analyzer's per-client or per-API state over a
// night's capture, where clients and APIs come and go.
type capped[K comparable, V any] struct {
	max   int
	m     map[K]*V
	order []K // insertion order
}

func newCapped[K comparable, V any](max int) capped[K, V] {
	return capped[K, V]{max: max, m: map[K]*V{}}
}

// get is k's entry, nil when there is none.
func (c *capped[K, V]) get(k K) *V { return c.m[k] }

// add is k's entry, made (and the oldest forgotten past max) when new.
func (c *capped[K, V]) add(k K) *V {
	if v := c.m[k]; v != nil {
		return v
	}
	v := new(V)
	c.m[k] = v
	c.order = append(c.order, k)
	if len(c.order) > c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	return v
}
