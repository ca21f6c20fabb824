package config

import (
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Size
		wantErr bool
	}{
		{in: "512", want: 512 * MiB},
		{in: "0", want: 0},
		{in: "512MiB", want: 512 * MiB},
		{in: "512M", want: 512 * MiB},
		{in: "512MB", want: 512 * MiB},
		{in: "512 mib", want: 512 * MiB},
		{in: "2GiB", want: 2 * GiB},
		{in: "2g", want: 2 * GiB},
		{in: "1.5G", want: 1536 * MiB},
		{in: "0.5", want: 512 * KiB},
		{in: "64KiB", want: 64 * KiB},
		{in: "1T", want: TiB},
		{in: "1536B", want: 1536},
		{in: " 8GiB ", want: 8 * GiB},
		{in: "1048576TiB", want: 1 << 60},
		{in: "1048577TiB", wantErr: true},
		{in: "99999999999999999999999", wantErr: true},
		{in: "1e3M", wantErr: true},
		{in: "", wantErr: true},
		{in: "G", wantErr: true},
		{in: "-1G", wantErr: true},
		{in: "1.2.3G", wantErr: true},
		{in: "5 parsecs", wantErr: true},
		{in: "1PiB", wantErr: true},
		{in: ".", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseSize(%q) = %v, %v; want %v, error %v", tt.in, uint64(got), err, uint64(tt.want), tt.wantErr)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	t.Parallel()
	for size, want := range map[Size]string{
		0:          "0",
		1:          "1B",
		KiB:        "1KiB",
		1536 * KiB: "1536KiB",
		512 * MiB:  "512MiB",
		2 * GiB:    "2GiB",
		3 * TiB:    "3TiB",
		GiB + 1:    "1073741825B",
	} {
		if got := size.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", uint64(size), got, want)
		}
	}
	if got := (1536 * MiB).MiB(); got != 1536 {
		t.Errorf("MiB() = %d, want 1536", got)
	}
}

// FuzzParseSize checks that every size ParseSize accepts prints as text that
// parses back to the same size, and that nothing panics.
func FuzzParseSize(f *testing.F) {
	for _, seed := range []string{"512", "1.5G", "2GiB", "64KiB", "1048576TiB", "0.0001", "1536B"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		size, err := ParseSize(in)
		if err != nil {
			return
		}
		if size > maxSize {
			t.Fatalf("ParseSize(%q) = %d, beyond the 1EiB bound", in, uint64(size))
		}
		text, _ := size.MarshalText()
		var back Size
		if err := back.UnmarshalText(text); err != nil || back != size {
			t.Fatalf("ParseSize(%q) = %d prints %q, which parses to %d, %v", in, uint64(size), text, uint64(back), err)
		}
	})
}
