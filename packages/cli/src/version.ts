export const clientVersionString = 'v1.33.0-kubelab';
