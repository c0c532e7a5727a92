export const clientVersionString = 'v1.31.0-kubelab';
