const backendStatus = document.querySelector<HTMLParagraphElement>('#backend');

async function detectBackend(): Promise<string> {
  if (!('gpu' in navigator) || !navigator.gpu) return 'cpu (WebGPU is not available in this browser)';
  const adapter = await navigator.gpu.requestAdapter();
  return adapter ? 'webgpu' : 'cpu (no WebGPU adapter found)';
}

detectBackend().then((backend) => {
  if (backendStatus) backendStatus.textContent = `backend: ${backend}`;
});
