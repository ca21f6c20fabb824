package forest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// The encoding, little-endian throughout:
//
//	magic "IFST", version uint16, reserved uint16 (0)
//	width, sampleSize, depth, trees, nodes uint32; maxFeatures float64
//	roots [trees]uint32
//	nodes [nodes]{threshold float32 bits uint32, link uint32}
//	pathLength [nodes]float64
//	CRC-32C of everything before it, uint32
const (
	encodingMagic   = "IFST"
	encodingVersion = 1
	headerSize      = 4 + 2 + 2 + 5*4 + 8
	trailerSize     = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the forest in a versioned, checksummed format that
// UnmarshalBinary reads back into an identical forest (the same scores, bit
// for bit). It implements encoding.BinaryMarshaler and never fails.
func (f *Forest) MarshalBinary() ([]byte, error) {
	size := headerSize + 4*len(f.roots) + 16*len(f.nodes) + trailerSize
	b := make([]byte, 0, size)
	b = append(b, encodingMagic...)
	b = binary.LittleEndian.AppendUint16(b, encodingVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	for _, v := range []int{f.width, f.sampleSize, f.depth, len(f.roots), len(f.nodes)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.maxFeatures))
	for _, r := range f.roots {
		b = binary.LittleEndian.AppendUint32(b, r)
	}
	for _, n := range f.nodes {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(n.threshold))
		b = binary.LittleEndian.AppendUint32(b, n.link)
	}
	for _, p := range f.pathLength {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// UnmarshalBinary replaces f with the forest encoded in data by
// MarshalBinary. It returns an error wrapping ErrFormat for data that is
// not a forest encoding of a known version, and ErrCorrupt for data that
// fails the checksum or describes an impossible forest; f is unchanged on
// error. Every forest it accepts scores without panicking and returns
// scores in (0, 1]. Call it only on a Forest no other goroutine uses.
func (f *Forest) UnmarshalBinary(data []byte) error {
	if len(data) < 8 || string(data[:4]) != encodingMagic {
		return ErrFormat
	}
	if v := binary.LittleEndian.Uint16(data[4:]); v != encodingVersion {
		return fmt.Errorf("version %d, this package reads %d: %w", v, encodingVersion, ErrFormat)
	}
	if len(data) < headerSize+trailerSize {
		return fmt.Errorf("%d bytes: %w", len(data), ErrCorrupt)
	}
	body := data[:len(data)-trailerSize]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(body):]) {
		return fmt.Errorf("checksum mismatch: %w", ErrCorrupt)
	}
	g, err := decode(body)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	*f = *g
	return nil
}

// decode reads a checksummed body and checks that it describes a forest
// Score can walk: every tree is a proper binary tree in its own span of
// nodes, with leaves no deeper than the recorded depth.
func decode(body []byte) (*Forest, error) {
	le := binary.LittleEndian
	if le.Uint16(body[6:]) != 0 {
		return nil, fmt.Errorf("reserved field set")
	}
	h := body[8:]
	width, sampleSize, depth := int(le.Uint32(h)), int(le.Uint32(h[4:])), int(le.Uint32(h[8:]))
	trees, nodes := uint64(le.Uint32(h[12:])), uint64(le.Uint32(h[16:]))
	maxFeatures := math.Float64frombits(le.Uint64(h[20:]))
	switch {
	case width < 1 || width > MaxWidth:
		return nil, fmt.Errorf("width %d", width)
	case sampleSize < 1 || sampleSize > maxSampleSize:
		return nil, fmt.Errorf("sample size %d", sampleSize)
	case depth > maxDepth(sampleSize):
		return nil, fmt.Errorf("depth %d for sample size %d", depth, sampleSize)
	case trees < 1 || nodes < trees:
		return nil, fmt.Errorf("%d trees, %d nodes", trees, nodes)
	case !(maxFeatures > 0 && maxFeatures <= 1):
		return nil, fmt.Errorf("max features %v", maxFeatures)
	}
	if want := uint64(headerSize) + 4*trees + 16*nodes; uint64(len(body)) != want {
		return nil, fmt.Errorf("%d bytes, header implies %d", len(body), want)
	}

	f := &Forest{
		nodes:       make([]node, nodes),
		pathLength:  make([]float64, nodes),
		roots:       make([]uint32, trees),
		width:       width,
		sampleSize:  sampleSize,
		depth:       depth,
		maxFeatures: maxFeatures,
		norm:        float64(trees) * averagePathLength(sampleSize),
	}
	p := body[headerSize:]
	for t := range f.roots {
		f.roots[t] = le.Uint32(p[4*t:])
	}
	p = p[4*trees:]
	for i := range f.nodes {
		f.nodes[i] = node{threshold: math.Float32frombits(le.Uint32(p[8*i:])), link: le.Uint32(p[8*i+4:])}
	}
	p = p[8*nodes:]
	for i := range f.pathLength {
		f.pathLength[i] = math.Float64frombits(le.Uint64(p[8*i:]))
	}
	if err := f.checkTrees(); err != nil {
		return nil, err
	}
	f.prepareKernel()
	return f, nil
}

// checkTrees checks that tree t occupies nodes[roots[t]:roots[t+1]] (the
// last tree runs to the end), that walking it from its root visits each of
// those nodes exactly once, and that every node is sound: an internal node
// has a feature below width, a threshold that is not NaN, children inside
// the span and depth below f.depth; a leaf has offset 0 and a path length
// in [depth, depth + c(SampleSize)], the range Fit produces.
func (f *Forest) checkTrees() error {
	type item struct {
		index uint32
		depth int
	}
	var stack []item
	visited := make([]bool, len(f.nodes))
	maxLeafExtra := averagePathLength(f.sampleSize)
	for t, root := range f.roots {
		end := uint32(len(f.nodes))
		if t+1 < len(f.roots) {
			end = f.roots[t+1]
		}
		want := uint32(0)
		if t > 0 {
			want = f.roots[t-1] + 1
		}
		if root < want || root >= end || (t == 0 && root != 0) {
			return fmt.Errorf("tree %d: root %d", t, root)
		}
		stack = append(stack[:0], item{root, 0})
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if visited[it.index] {
				return fmt.Errorf("tree %d: node %d reached twice", t, it.index)
			}
			visited[it.index] = true
			n, length := f.nodes[it.index], f.pathLength[it.index]
			if n.feature() == leafFeature {
				if n.offset() != 0 || !(length >= float64(it.depth) && length <= float64(it.depth)+maxLeafExtra) {
					return fmt.Errorf("tree %d: leaf %d", t, it.index)
				}
				continue
			}
			left := uint64(it.index) + uint64(n.offset())
			if n.feature() >= f.width || n.offset() == 0 || left+1 >= uint64(end) ||
				math.IsNaN(float64(n.threshold)) || length != 0 || it.depth >= f.depth {
				return fmt.Errorf("tree %d: node %d", t, it.index)
			}
			stack = append(stack, item{uint32(left), it.depth + 1}, item{uint32(left + 1), it.depth + 1})
		}
	}
	for i, seen := range visited {
		if !seen {
			return fmt.Errorf("node %d is in no tree", i)
		}
	}
	return nil
}
