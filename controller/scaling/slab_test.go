package scaling

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestSlabDecidesAsDecide: the decisions of a pass cut from one Slab are
// Decide's, texts included, nil where Decide's are, and stay so while the
// slab hands out more; a caller appending to one decision's changes or
// holds leaves its neighbours alone. A slab sized for three decisions
// (NewSlab) starts a chunk every twelve changes or holds: the same.
func TestSlabDecidesAsDecide(t *testing.T) {
	for _, slab := range []*Slab{new(Slab), NewSlab(3)} {
		slabDecidesAsDecide(t, slab)
	}
}

func slabDecidesAsDecide(t *testing.T, slab *Slab) {
	rng := rand.New(rand.NewPCG(47, 53))
	var got, want []Decision
	for range 5000 {
		in := randomInput(rng)
		want = append(want, Decide(in.sig, in.policy, in.rules, in.st, in.now))
		got = append(got, slab.Decide(in.sig, in.policy, in.rules, in.st, in.now))
	}
	for i := range got {
		if rng.IntN(4) == 0 {
			h := Hold{Resource: ResourceDisk, Reason: SkipLocked, Text: "appended"}
			c := Change{Resource: ResourceDisk, Direction: Up, From: 1, To: 2, Text: "appended"}
			got[i].Holds, want[i].Holds = append(got[i].Holds, h), append(want[i].Holds, h)
			got[i].Changes, want[i].Changes = append(got[i].Changes, c), append(want[i].Changes, c)
		}
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) || slabTexts(got[i]) != slabTexts(want[i]) {
			t.Fatalf("decision %d from the slab\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
	var none *Slab
	in := randomInput(rng)
	if d := none.Decide(in.sig, in.policy, in.rules, in.st, in.now); !reflect.DeepEqual(d, Decide(in.sig, in.policy, in.rules, in.st, in.now)) {
		t.Fatalf("a nil slab decides %+v", d)
	}
}

func slabTexts(d Decision) string {
	s := ""
	for _, c := range d.Changes {
		s += c.Reason() + "\n"
	}
	for _, h := range d.Holds {
		s += h.Detail() + "\n"
	}
	return s
}
