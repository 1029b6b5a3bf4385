//! The local Evolvy backend.

fn main() {
    println!("evolvy-server {}", evolvy_widget::VERSION);
}
