// Imported first: the AWS SDK warns about its future Node 22 requirement when a client
// is built; on Node 20 that notice is noise for a local run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
