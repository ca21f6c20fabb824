package controller

import (
	"context"
	"errors"
	"sync"

	"github.com/lxc-autoscale/lxc-autoscale/controller/engine"
	"github.com/lxc-autoscale/lxc-autoscale/controller/notify"
	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// collect lists the nodes and, concurrently, the containers of every online
// node: one call plus one per online node, whatever the number of
// containers. A node that fails is recorded and skipped.
func (c *Controller) collect(ctx context.Context) (engine.Tick, error) {
	t := engine.Tick{Start: c.now(), Failed: map[string]error{}}
	nodes, err := c.cluster.Nodes(ctx)
	if err != nil {
		return t, err
	}
	t.Nodes = nodes
	lists := make([][]proxmox.Container, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		if !n.Online {
			continue
		}
		wg.Go(func() {
			lists[i], errs[i] = c.cluster.Containers(ctx, n.Name)
		})
	}
	wg.Wait()
	total := 0
	for i, n := range nodes {
		if !n.Online {
			c.noteNodeListing(n.Name, errNodeOffline)
		} else {
			c.noteNodeListing(n.Name, errs[i])
		}
		if errs[i] != nil {
			t.Failed[n.Name] = errs[i]
			c.metrics.nodeErrors.WithLabelValues(n.Name).Inc()
		}
		total += len(lists[i])
	}
	t.Containers = make([]proxmox.Container, 0, total)
	for _, l := range lists {
		t.Containers = append(t.Containers, l...)
	}
	t.End = c.now()
	return t, nil
}

// errNodeOffline is why a node /nodes reports offline is not listed.
var errNodeOffline = errors.New("the cluster reports the node offline")

// noteNodeListing logs and notifies a node whose listing starts or stops
// failing, or that turns offline. A node that dies stays "online" in
// /nodes until the cluster notices, and every call proxied to it meanwhile
// answers 595: one line when that starts, one when it ends, and the metric
// for every pass in between (an offline node is not counted there).
func (c *Controller) noteNodeListing(node string, err error) {
	if c.failingNodes == nil {
		c.failingNodes = map[string]bool{}
	}
	switch was := c.failingNodes[node]; {
	case err != nil && !was:
		c.failingNodes[node] = true
		c.log.Warn().Err(err).Str("node", node).Msg("listing a node's containers failed; skipping the node until it answers")
		c.tell(notify.NodeEvent(node, err))
	case err == nil && was:
		delete(c.failingNodes, node)
		c.log.Info().Str("node", node).Msg("a node's containers are listed again")
		c.tell(notify.NodeEvent(node, nil))
	}
}
