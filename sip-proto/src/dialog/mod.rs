//! TODO(skeleton): filled in by the dialog work.
