package analyze

// All returns a fresh instance of every analyzer, in a fixed order.
func All() []Analyzer {
	return []Analyzer{
		NewConcurrentSession(),
		NewDroppedCookie(),
		NewLostHeader(),
		NewLostQueryParam(),
	}
}
