package journal

import (
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// A journal is whatever a kill left on disk: any bytes must decode to
// records or be skipped, and replaying them must neither panic nor move a
// last action past the replay time.
func FuzzJournalReplay(f *testing.F) {
	f.Add([]byte(`{"seq":1,"kind":"intent","time":"2026-12-06T12:00:00Z","vmid":101,"node":"pve1","changes":[{"resource":"cores","direction":"up","from":1,"to":2}]}` + "\n" +
		`{"seq":2,"kind":"outcome","time":"2026-12-06T12:00:01Z","vmid":101,"intent":1,"changes":[{"resource":"cores","direction":"up","from":1,"to":2,"result":"applied"}]}` + "\n"))
	f.Add([]byte(`{"seq":3,"kind":"intent","time":"2026-12-06T12:00:00Z","vmid":102,"changes":[{"resource":"memory","direction":"down","from":2048,"to":1024}]}` + "\n" + `{"seq":4,"kin`))
	f.Add([]byte("\n\n{}\n[]\nnull\n"))
	now := time.Date(2026, 12, 6, 12, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		records, _ := decode(b)
		st := map[int]*scaling.ContainerState{}
		Replay(st, 0, records, now, time.Minute)
		for vmid, cs := range st {
			for res, a := range cs.LastAction {
				if a.Time.After(now) {
					t.Errorf("ct %d %s: last action at %v, after the replay at %v", vmid, res, a.Time, now)
				}
			}
		}
	})
}
