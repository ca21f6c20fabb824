package weekly

import (
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
)

// The steps of the tiers a TierPeaks reads, in seconds: the day tier's ten
// minutes and the week tier's hour. Cache relies on them: read's answer
// for (week, from, d) must depend only on the tier's buckets from
// floor(from/step) to floor((from+d-1s)/step), whole seconds, and on what
// they hold.
const (
	DayStep  = 10 * 60
	WeekStep = 3600
)

// Cache keeps a container's Peaks answers while nothing they read has
// changed: Decide asks every pass, up to three times (a growth's lead ten
// minutes ahead, a decrease's floor an hour ahead and its climb four
// hours ahead: scaling's seasonClimb, also a growth's size), and the
// answer moves only when now enters another ten minutes or the profile or
// tiers change, which the caller counts in gen. One entry per ahead, and
// two of Highest's: 688 bytes. The zero Cache is empty.
type Cache struct {
	entries [3]cacheEntry
	// high are Highest's answers, for the generation and week buckets in
	// highKey (the generation + 1, so that the zero key is none): two, as
	// one Decide may ask for the last day (a decrease of cores) and the
	// week (fast relief of memory), each a scan of up to 168 buckets.
	high    [2]TierPeak
	highKey [2][3]int64
	older   uint8 // the entry a new answer replaces
}

type cacheEntry struct {
	key      cacheKey
	cpu, mem scaling.Recurring
	// from and until (Unix nanoseconds) bound the nows that make key:
	// every part of it only grows with now, so none differs in between.
	from, until int64
}

// cacheKey is all of now that peaks reads: the hours of the profile it
// walks ([hours[0], hours[1])), the day and week buckets of yesterday's
// period, and the data's generation.
type cacheKey struct {
	set       bool
	gen       uint64
	ahead     time.Duration
	hours     [2]int64
	day, week [2]int64
}

func keyOf(gen uint64, now time.Time, ahead time.Duration) cacheKey {
	end := now.Add(ahead)
	last := end.Unix() // the last second the walk's end reaches into
	if end.Nanosecond() == 0 {
		last--
	}
	y, a := now.Unix()-24*3600, int64(ahead/time.Second)
	buckets := func(step int64) [2]int64 {
		first := floorDiv(y, step)
		return [2]int64{first, max(first, floorDiv(y+a-1, step))}
	}
	return cacheKey{set: true, gen: gen, ahead: ahead,
		hours: [2]int64{floorDiv(now.Unix(), 3600), floorDiv(last, 3600) + 1},
		day:   buckets(DayStep), week: buckets(WeekStep)}
}

// until is the first now (Unix nanoseconds) at which a part of k, made
// at a now before it with ahead, is another: an hour or bucket starts.
func (k cacheKey) until(ahead time.Duration) int64 {
	a, y := int64(ahead/time.Second), int64(24*3600)
	s := min((k.hours[0]+1)*3600, (k.day[0]+1)*DayStep+y, (k.day[1]+1)*DayStep-a+1+y,
		(k.week[0]+1)*WeekStep+y, (k.week[1]+1)*WeekStep-a+1+y)
	// The walk's last second moves once now+ahead passes the hour's end.
	return min(s*1e9, k.hours[1]*3600*1e9-int64(ahead)+1)
}

// Peaks is p.Peaks(read, now, ahead), computed again only when gen (which
// the caller changes whenever p or what read reads changes) or the hours
// and buckets that now and ahead make it read differ from the entry's;
// within the nows that make the entry's, without making a key.
func (c *Cache) Peaks(p *Profile, read TierPeaks, gen uint64, now time.Time, ahead time.Duration) (cpu, mem scaling.Recurring) {
	e := &c.entries[0]
	for i := 1; i < len(c.entries) && e.key.set && e.key.ahead != ahead; i++ {
		e = &c.entries[i]
	}
	if t := now.UnixNano(); e.key.set && e.key.gen == gen && e.key.ahead == ahead && t >= e.from && t < e.until {
		return e.cpu, e.mem
	}
	key := keyOf(gen, now, ahead)
	if e.key != key {
		e.key = key
		e.cpu, e.mem = p.Peaks(read, now, ahead)
	}
	e.from, e.until = now.UnixNano(), key.until(ahead)
	return e.cpu, e.mem
}

// Highest is read(true, from, d), the week tier's peaks over [from,
// from+d), computed again only when gen or the week buckets it reads
// differ from the last call's: Decide asks every pass on the way to a
// relief and the answer moves at most once an hour.
func (c *Cache) Highest(read TierPeaks, gen uint64, from time.Time, d time.Duration) TierPeak {
	first := floorDiv(from.Unix(), WeekStep)
	key := [3]int64{int64(gen) + 1, first, max(first, floorDiv(from.Unix()+int64(d/time.Second)-1, WeekStep))}
	for k := range c.highKey {
		if c.highKey[k] == key {
			return c.high[k]
		}
	}
	k := c.older
	c.high[k], _ = read(true, from, d)
	c.highKey[k], c.older = key, 1-k
	return c.high[k]
}
