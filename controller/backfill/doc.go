// Package backfill reads the RRD history of containers in the background
// for the controller's loop, and converts RRD rows into the engine's
// samples and coarse points. The loop asks for every container the first
// time a listing shows it running (AskListed; once per container, again
// only after Forget), for the points before that listing. A coordinator
// goroutine keeps the queue, most urgent container first (RankFor), and
// hands jobs to a bounded number of workers, each reading one container's
// hour (GET .../rrddata) at a time, then its week and month
// (CoarseHistory: averages and maxima; a failed read of these costs only
// what it did not bring); what they read goes to
// the loop through a handoff.Queue, and the loop folds it into the windows
// (Window.Merge, Window.MergeCoarse) and the recommender's histograms
// (FeedUsage: only what lies before the loop's own first sample, each
// point weighted by the time it covers), so that the seasons and
// percentiles Decide looks for (days back) are known from the first pass. It never touches a
// window or the loop's state, so passes run on schedule from the first
// tick whatever the backfill does.
//
// Why the decisions need not wait: an increase needs StabilizationUp of
// samples, a decrease a window that covers StabilizationDown
// (scaling's stabilisation), so a container whose history has not arrived
// is increased as soon as the live ticks show it must be, and decreased
// only once its history, read or lived, covers the period.
//
// Failures: a read that fails because the node does not answer (595, a
// timeout: Failure Node) rests the node, doubling per consecutive failure
// up to MaxRest, and its containers wait for it, however long, while the
// other nodes' are read; at most half the workers read from one node at
// a time while another node has work, so a node that hangs holds no more
// until its reads time out. A failure of the container's own (a 5xx) is
// retried with the same backoff, three reads in all; a container that is
// gone or that the token may not read is given up at once. Every job
// asked for ends in exactly one Result, with points or without (given up,
// or dropped because the loop forgot the container).
//
// Progress: the gauge of containers pending, Progress for the snapshot,
// an info line per tenth of a round of ten or more containers (a round
// runs from work arriving at an idle backfiller until it is idle again)
// and one at its end.
//
// # Imports
//
// proxmox, controller/engine, controller/engine/histogram and
// controller/scaling for their types,
// controller/handoff, zerolog and the Prometheus client; never controller.
//
// # Concurrency
//
// Progress, Pause and Resume are safe from any goroutine; AskListed,
// Asked, Forget, Take and Ready belong to the loop goroutine (none of
// them blocks). Start starts
// the coordinator and its workers once; they stop when its context is
// cancelled, and Done is closed when all of them have returned.
package backfill
