//! TODO(skeleton): filled in by the rtcp work.
