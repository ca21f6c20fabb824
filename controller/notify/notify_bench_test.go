package notify

import (
	"net/http"
	"testing"
)

// BenchmarkNotify is what Notify costs the loop per event: queued for a
// webhook (whose sender is busy with a receiver that does not answer),
// dropped at a full queue, or filtered out by the webhook's events.
func BenchmarkNotify(b *testing.B) {
	for _, c := range []struct {
		name   string
		queue  func(n int) int
		events []Kind
	}{
		{"queued", func(n int) int { return n + 1 }, nil},
		{"dropped", func(int) int { return 1 }, nil},
		{"filtered", func(int) int { return 1 }, []Kind{KindLeaderChange}},
	} {
		b.Run(c.name, func(b *testing.B) {
			release := make(chan struct{})
			r := newReceiver(b, func(int) int { <-release; return http.StatusOK })
			var f failures
			o := fastOptions(nil, &f, Webhook{Name: "b", URL: r.URL, Events: c.events})
			o.QueueSize, o.AttemptTimeout = c.queue(b.N), MaxAttemptTimeout
			n := start(b, o)
			b.Cleanup(func() { close(release) })
			ev := change(101, "applied")
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				n.Notify(ev)
			}
			b.StopTimer()
			n.stopNow() // abandon the queue: only Notify was measured
		})
	}
}
