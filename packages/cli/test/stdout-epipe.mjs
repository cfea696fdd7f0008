// Test preload (a platform fake): standard output whose reader went away. The first write fails
// the way a closed pipe does, with an 'error' event after the call returns (EPIPE).
process.stdout.write = () => {
  process.nextTick(() => process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
  return true;
};
