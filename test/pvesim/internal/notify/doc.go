// Package notify is pvesim's notifications.cfg: the notification matchers
// of /cluster/notifications/matchers, the object lxc-autoscale keeps its
// leader lease in. It reproduces what PVE does, which since PVE 8.1 is
// proxmox-notify (Rust, called from PVE/API2/Cluster/Notifications.pm
// through perlmod, its HttpError codes passed on by raise_api_error):
//
//   - the digest is the SHA-256 of the whole notifications.cfg, so any
//     edit of any matcher or target changes it (proxmox-section-config);
//   - GET of a matcher answers its properties plus that digest;
//   - an update with a digest that is not the file's current one answers
//     400 "detected modified configuration - file changed by other user?
//     Try again." (proxmox-notify src/api/mod.rs, verify_digest); an update
//     without a digest always applies;
//   - creating a name that exists answers 400 "Cannot create '<name>', an
//     entity with the same name already exists" (ensure_unique);
//   - a missing matcher answers 404 "matcher '<name>' not found"
//     (src/api/matcher.rs, get_matcher).
//
// It imports only the standard library and pvesim's internal answer and
// jsonw. It is not safe for concurrent use: the Sim calls it with its
// state lock held.
package notify
