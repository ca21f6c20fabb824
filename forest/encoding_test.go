package forest

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{Seed: 1}, {Seed: 2, Trees: 3, SampleSize: 7}, {Seed: 3, MaxFeatures: 0.5}} {
		rows := gaussianRows(600, 4, 20)
		f := mustFit(t, rows, opts)
		data, err := f.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary() = %v", err)
		}
		var g Forest
		if err := g.UnmarshalBinary(data); err != nil {
			t.Fatalf("UnmarshalBinary(MarshalBinary()) = %v", err)
		}
		if !slices.Equal(scoresOf(f, rows), scoresOf(&g, rows)) {
			t.Errorf("%+v: decoded forest scores differently", opts)
		}
		again, _ := g.MarshalBinary()
		if !slices.Equal(data, again) {
			t.Errorf("%+v: re-encoding differs", opts)
		}
		if g.NumTrees() != f.NumTrees() || g.SampleSize() != f.SampleSize() || g.NumFeatures() != f.NumFeatures() {
			t.Errorf("%+v: decoded shape differs", opts)
		}
	}
}

// resealed recomputes the checksum after a deliberate change, so the
// structural checks, not the checksum, must catch it.
func resealed(data []byte, change func(body []byte)) []byte {
	out := slices.Clone(data)
	body := out[:len(out)-trailerSize]
	change(body)
	binary.LittleEndian.PutUint32(out[len(body):], crc32.Checksum(body, castagnoli))
	return out
}

func TestUnmarshalRejects(t *testing.T) {
	t.Parallel()
	f := mustFit(t, gaussianRows(300, 3, 21), Options{Seed: 1, Trees: 4, SampleSize: 16})
	data, _ := f.MarshalBinary()
	nodesAt := headerSize + 4*f.NumTrees()
	le := binary.LittleEndian
	firstInternal := nodesAt // the root of tree 0 is internal for this data
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"foreign", []byte("GIF89a, certainly not a forest"), ErrFormat},
		{"json", []byte(`{"trees":[]}`), ErrFormat},
		{"future version", resealed(data, func(b []byte) { le.PutUint16(b[4:], 2) }), ErrFormat},
		{"truncated header", data[:12], ErrCorrupt},
		{"truncated", data[:len(data)-9], ErrCorrupt},
		{"extended", append(slices.Clone(data), 0), ErrCorrupt},
		{"bit flip", func() []byte { d := slices.Clone(data); d[nodesAt+3] ^= 0x10; return d }(), ErrCorrupt},
		{"reserved set", resealed(data, func(b []byte) { b[6] = 1 }), ErrCorrupt},
		{"width 0", resealed(data, func(b []byte) { le.PutUint32(b[8:], 0) }), ErrCorrupt},
		{"too deep", resealed(data, func(b []byte) { le.PutUint32(b[16:], 40) }), ErrCorrupt},
		{"node count", resealed(data, func(b []byte) { le.PutUint32(b[24:], 1<<31) }), ErrCorrupt},
		{"feature beyond width", resealed(data, func(b []byte) {
			link := le.Uint32(b[firstInternal+4:])
			le.PutUint32(b[firstInternal+4:], link&^0xff|7)
		}), ErrCorrupt},
		{"child outside tree", resealed(data, func(b []byte) {
			link := le.Uint32(b[firstInternal+4:])
			le.PutUint32(b[firstInternal+4:], link&0xff|0xffff<<8)
		}), ErrCorrupt},
		{"cycle", resealed(data, func(b []byte) {
			link := le.Uint32(b[firstInternal+4:])
			le.PutUint32(b[firstInternal+4:], link&0xff) // offset 0: the node is its own child
		}), ErrCorrupt},
		{"NaN threshold", resealed(data, func(b []byte) { le.PutUint32(b[firstInternal:], 0x7fc00000) }), ErrCorrupt},
		{"root out of order", resealed(data, func(b []byte) { le.PutUint32(b[headerSize+4:], 0) }), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := *f
			if err := g.UnmarshalBinary(tt.data); !errors.Is(err, tt.want) {
				t.Errorf("UnmarshalBinary = %v, want %v", err, tt.want)
			}
			if g.NumTrees() != f.NumTrees() || &g.nodes[0] != &f.nodes[0] {
				t.Error("UnmarshalBinary changed its receiver on error")
			}
		})
	}
	if f.nodes[0].feature() == leafFeature {
		t.Fatal("test data: root of tree 0 is a leaf; the node cases above test nothing")
	}
}

// TestUnmarshalRejectsEveryBitFlip flips each bit of a small encoding.
func TestUnmarshalRejectsEveryBitFlip(t *testing.T) {
	t.Parallel()
	f := mustFit(t, gaussianRows(50, 2, 22), Options{Seed: 1, Trees: 2, SampleSize: 8})
	data, _ := f.MarshalBinary()
	for i := range len(data) * 8 {
		d := slices.Clone(data)
		d[i/8] ^= 1 << (i % 8)
		var g Forest
		if err := g.UnmarshalBinary(d); err == nil {
			t.Fatalf("flipping bit %d was accepted", i)
		}
	}
}
