// Placeholder: replaced by the real implementation (startServer) in the core commit.
export {};
