package pvesim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// task is a PVE worker task. It runs for Options.TaskDuration of simulated
// time and is settled lazily: every request and Go call first finishes the
// tasks whose time has come.
type task struct {
	upid, node, typ, id string
	user, tokenID       string // owner user and token name (PVE's tokenid) when a token started it
	pid, pstart         uint32
	start, end          time.Time
	done                bool
	exit                string
	log                 []string
	forcedExit          string // from a TaskExit fault

	commit func()        // applies the work when the task succeeds
	abort  func() string // cleans up when it fails; may add to the error text ("" keeps it)
}

var upidRE = regexp.MustCompile(`^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$`)

// startTaskLocked registers a task that ends TaskDuration from now.
func (s *Sim) startTaskLocked(c *call, node, typ, id string) *task {
	now := s.clock.Now()
	n := s.nodeByName[node]
	user, tokenName, _ := strings.Cut(c.taskUser(), "!")
	t := &task{
		node: node, typ: typ, id: id, user: user, tokenID: tokenName,
		pid: uint32(s.newPID()), pstart: uint32(now.Sub(n.boot) / (10 * time.Millisecond)),
		start: now, end: now.Add(s.opts.TaskDuration), forcedExit: c.taskExit,
	}
	t.upid = fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, t.pid, t.pstart, uint32(now.Unix()), typ, id, c.taskUser())
	s.tasks[t.upid] = t
	s.pending = append(s.pending, t)
	if len(s.tasks) > maxTasks {
		s.pruneTasksLocked()
	}
	return t
}

// maxTasks bounds the task index of a long-running demo; PVE rotates its
// task list too.
const maxTasks = 20000

// pruneTasksLocked forgets the older half of the finished tasks.
func (s *Sim) pruneTasksLocked() {
	var done []*task
	for _, t := range s.tasks {
		if t.done {
			done = append(done, t)
		}
	}
	slices.SortFunc(done, func(a, b *task) int { return a.end.Compare(b.end) })
	for _, t := range done[:len(done)/2] {
		delete(s.tasks, t.upid)
	}
}

// failNow ends the task at once with msg, like a worker that dies on its first check.
func (s *Sim) failNow(t *task, msg string) {
	t.end = t.start
	t.abort = nil
	t.commit = nil
	t.forcedExit = msg
}

// FinishTasks moves the clock to the end of the last running task, so every
// task started so far has stopped when it returns. Tests with Speed 0 use it
// instead of guessing how far to advance.
func (s *Sim) FinishTasks() {
	s.mu.Lock()
	var last time.Time
	for _, t := range s.pending {
		if t.end.After(last) {
			last = t.end
		}
	}
	s.mu.Unlock()
	if d := last.Sub(s.clock.Now()); d > 0 {
		s.clock.Advance(d)
	}
}

func (t *task) upidJSON() []byte { return jsonw.AppendString(nil, t.upid) }

// settleLocked finishes every task whose end time has passed, in end order.
func (s *Sim) settleLocked() {
	if len(s.pending) == 0 {
		return
	}
	now := s.clock.Now()
	var due []*task
	s.pending = slices.DeleteFunc(s.pending, func(t *task) bool {
		if t.end.After(now) {
			return false
		}
		due = append(due, t)
		return true
	})
	slices.SortStableFunc(due, func(a, b *task) int { return a.end.Compare(b.end) })
	for _, t := range due {
		s.finishLocked(t)
	}
}

func (s *Sim) finishLocked(t *task) {
	exit := "OK"
	if t.forcedExit != "" {
		exit = t.forcedExit
	}
	if exit == "OK" || strings.HasPrefix(exit, "WARNINGS: ") {
		if t.commit != nil {
			t.commit()
		}
	} else if t.abort != nil {
		if more := t.abort(); more != "" {
			exit = more
		}
	}
	t.done = true
	t.exit = exit
	if exit == "OK" {
		t.log = append(t.log, "TASK OK")
	} else if strings.HasPrefix(exit, "WARNINGS: ") {
		t.log = append(t.log, "TASK "+exit)
	} else {
		t.log = append(t.log, "TASK ERROR: "+exit)
	}
}

func (s *Sim) findTask(c *call) (*task, answer.Answer, bool) {
	upid := c.p.Str("upid")
	if !upidRE.MatchString(upid) {
		return nil, answer.FailParams(schema.Errors{"upid": "unable to parse worker upid"}), false
	}
	t := s.tasks[upid]
	if t == nil || t.node != c.p.Str("node") {
		return nil, answer.FailParams(schema.Errors{"upid": "no such task"}), false
	}
	return t, answer.Answer{}, true
}

func (s *Sim) getTaskStatus(c *call) answer.Answer {
	t, resp, found := s.findTask(c)
	if !found {
		return resp
	}
	j := jsonw.Writer{}
	j.BeginObject()
	j.KeyStr("upid", t.upid)
	j.KeyStr("node", t.node)
	j.KeyInt("pid", int64(t.pid))
	j.KeyInt("pstart", int64(t.pstart))
	j.KeyInt("starttime", t.start.Unix())
	j.KeyStr("type", t.typ)
	j.KeyStr("id", t.id)
	j.KeyStr("user", t.user)
	j.KeyStrOmitEmpty("tokenid", t.tokenID)
	if t.done {
		j.KeyStr("status", "stopped")
		j.KeyStr("exitstatus", t.exit)
	} else {
		j.KeyStr("status", "running")
	}
	j.EndObject()
	return answer.OK(j.Bytes())
}

func (s *Sim) getTaskLog(c *call) answer.Answer {
	t, resp, found := s.findTask(c)
	if !found {
		return resp
	}
	start, limit := 0, 50
	if c.p.Has("start") {
		start = int(min(c.p.Int("start"), 1<<30))
	}
	if c.p.Has("limit") {
		limit = int(min(c.p.Int("limit"), 1<<30))
	}
	j := jsonw.Writer{}
	j.BeginArray()
	for i := start; i < len(t.log) && i < start+limit; i++ {
		j.BeginObject()
		j.KeyInt("n", int64(i+1))
		j.KeyStr("t", t.log[i])
		j.EndObject()
	}
	j.EndArray()
	r := answer.OK(j.Bytes())
	r.Extra = fmt.Appendf(nil, `"total":%d`, len(t.log))
	return r
}
