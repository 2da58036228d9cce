package ui

import (
	"testing"

	"github.com/provtap/provtap/analyze"
)

// BenchmarkListView renders the flow list pane (80×24 and 200×60) with 10
// and with 100,000 flows, the selection moving each frame: the cost is the
// visible rows, not the flow count.
func BenchmarkListView(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		for _, sz := range [][2]int{{80, 24}, {200, 60}} {
			b.Run(itoa(n)+"flows/"+sizeName(sz), func(b *testing.B) {
				feed := NewFeed()
				flows := manyFlows(n)
				var fs []analyze.Finding
				for i := 3; i < len(flows); i += 97 {
					fs = append(fs, analyze.Finding{Kind: "lost-header", Severity: analyze.Error, Flow: i})
				}
				feed.AddAll(flows, fs)
				m := NewModel(Options{Renderer: colorRenderer(true)}, feed)
				m.Update(sizeMsg(sz[0], sz[1]))
				m.list.selectID(n / 2)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					m.list.move(1 - 2*(i/4%2)) // wander up and down
					_ = m.list.View()
				}
			})
		}
	}
}

// BenchmarkFrame100k is a whole frame (list, detail, status, hints) with
// 100,000 flows, after a key press moved the selection.
func BenchmarkFrame100k(b *testing.B) {
	feed := NewFeed()
	feed.AddAll(manyFlows(100_000), nil)
	m := NewModel(Options{Renderer: colorRenderer(true)}, feed)
	m.Update(sizeMsg(80, 24))
	m.list.selectID(50_000)
	down, up := press("j"), press("k")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i/500%2 == 0 {
			m.Update(down)
		} else {
			m.Update(up)
		}
		_ = m.View()
	}
}

func sizeName(sz [2]int) string {
	return itoa(sz[0]) + "x" + itoa(sz[1])
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// BenchmarkFilter100k applies a filter to 100,000 flows and runs its scan
// to the end: metadata only (status:4xx -method:GET), and a body term that
// reads every flow's body (in memory here; from the capture file live).
func BenchmarkFilter100k(b *testing.B) {
	feed := NewFeed()
	feed.AddAll(manyFlows(100_000), nil)
	m := NewModel(Options{Renderer: colorRenderer(true)}, feed)
	m.Update(sizeMsg(120, 40))
	for _, expr := range []string{"status:4xx -method:GET", "body:nothing-has-this"} {
		b.Run(expr, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m.setFilter("")
				for cmd := m.setFilter(expr); cmd != nil; {
					_, cmd = m.Update(cmd())
				}
			}
		})
	}
}

// BenchmarkFilterReadBack filters 20,000 flows whose headers and bodies
// are read back from the capture file, as in a long session or an opened
// capture: body: alone reads every flow; with status:404 (a seventh of the
// flows), typed before or after it, only the 404s are read.
func BenchmarkFilterReadBack(b *testing.B) {
	m := storedModel(b, manyFlows(20_000), Options{}, true)
	m.Update(sizeMsg(120, 40))
	for _, expr := range []string{"body:nothing-has-this", "status:404 body:nothing-has-this", "body:nothing-has-this status:404"} {
		b.Run(expr, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m.setFilter("")
				for cmd := m.setFilter(expr); cmd != nil; {
					_, cmd = m.Update(cmd())
				}
			}
		})
	}
}

// BenchmarkApplyBatch is one feed batch (250 flows, a finding on every
// fourth, as 5,000 flows a second arrive in 50 ms frames) taken in by a
// model that holds 10,000 and 200,000 flows, following the tail: apply
// costs the batch, not the flows so far.
func BenchmarkApplyBatch(b *testing.B) {
	for _, held := range []int{10_000, 200_000} {
		b.Run(itoa(held)+"held", func(b *testing.B) {
			const batch = 250
			flows := manyFlows(held + batch*(b.N+1))
			feed := NewFeed()
			feed.AddAll(flows[:held], nil)
			m := NewModel(Options{Renderer: plainRenderer(), Follow: true, Live: true}, feed)
			m.Update(sizeMsg(160, 48))
			next := held
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var fs []analyze.Finding
				for _, f := range flows[next : next+batch] {
					if f.ID%4 == 0 {
						fs = append(fs, analyze.Finding{Kind: "lost-header", Severity: analyze.Error, Flow: f.ID, Related: []int{f.ID - 1},
							Title: "Ocp-Apim-Subscription-Key sent before is missing"})
					}
					feed.Add(f, nil)
				}
				feed.Add(nil, fs)
				m.apply(feed.take())
				next += batch
			}
		})
	}
}
