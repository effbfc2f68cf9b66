//! The integration test binary: CLI runs against fake roots, the
//! real-kernel suite in throwaway network namespaces, and the real-etcd
//! suite. One binary, so the test suite links once.
// Test code reads fixtures and prints skip notices directly; the seams
// bind the product code.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

#[macro_use]
mod support;

mod backend;
mod chains;
mod dataplane;
mod deploy;
mod doctor;
mod doctor_node;
mod etcd;
mod general;
mod proxy;
mod steal;
mod sysctl;
