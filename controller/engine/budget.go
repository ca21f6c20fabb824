package engine

// The memory budget of a container's history at the default settings
// (interval 10 s, window 1 h). TestHistoryBudget sums the worst case of
// what the window holds, the season profile included, and checks that it
// leaves the histograms' reserve its room.
const (
	historyBudget = 16 << 10
	// histogramReserve is for two decaying histograms, cores and memory,
	// in the shape of Kubernetes VPA's recommender: buckets 5 % apart
	// (0.01 to 1000 cores, 10 MB to 1 TB: 175 each) of 32-bit weights,
	// and a few words of their own.
	histogramReserve = 2 * (175*4 + 32)
	// seasonReserve is the weekday x hour profile's (weekly, in the
	// window): per hour of the week the recurring peak of cores and memory
	// (16 bits each) and the weeks it was seen in and observed (8 bits
	// each); its 8 bytes of bookkeeping come from what is left.
	seasonReserve = 7 * 24 * 6
	// worstLimitRuns is how many runs of limits (a resize starts one) a
	// window is counted with at worst: seven resizes within the hour.
	// More are held, at 24 bytes each, and given back as they leave.
	worstLimitRuns = 8
)
