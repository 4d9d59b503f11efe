/** oxtail — the MCP server and CLI; assembled from the libs by the server issue. */
export const SERVER_NAME = "oxtail";
